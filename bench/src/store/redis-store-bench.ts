// The store benchmark on the Redis backend (docs/store.md section 3): the same workload as
// the embedded store (conditional creates and updates, `writers` in flight, 1 KB values)
// through openRedisStore against a redis-server started with infra/redis.conf
// (`appendfsync always`) and a nats-server, and the ceiling measured on the same
// redis-server in the same run: `redis-benchmark -t set -c <writers>`, with the
// store's value size and with redis-benchmark's default 3-byte values. Rounds interleave the
// store and the ceilings; each figure is the best of its rounds.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { deleteRedisStore, openRedisStore } from "@k8ts/apiserver/storage";
import {
  NatsServerProcess,
  RedisServerProcess,
  findBinary,
} from "@k8ts/apiserver/testing/store-servers";
import { processCpuMs } from "../apiserver/cpu-time.js";
import {
  best,
  storeThroughput,
  type Latency,
  type OpenedStore,
  type ThroughputResult,
  type WorkloadOptions,
} from "./store-workload.js";

const run = promisify(execFile);

export interface RedisBenchOptions extends WorkloadOptions {
  readonly rounds: number;
}

export interface RedisBenchResult {
  readonly store: ThroughputResult & { readonly runs: number[] };
  readonly watchLatencyFullLoad: Latency;
  /** Redis CPU per write (µs) during the store's best run and during redis-benchmark. */
  readonly redisCpuUsPerWrite: { readonly store: number; readonly setSameSize: number };
  readonly ceiling: {
    readonly setSameSize: ThroughputResult & { readonly runs: number[] };
    readonly setDefaultSize: ThroughputResult & { readonly runs: number[] };
  };
  readonly ratio: { readonly toSetSameSize: number; readonly toSetDefaultSize: number };
}

/** `redis-benchmark -t set -c clients -n requests -d bytes` against the server; SET/s. */
async function redisBenchmark(
  port: number,
  clients: number,
  requests: number,
  bytes: number | undefined,
): Promise<ThroughputResult> {
  const binary = findBinary("redis-benchmark");
  if (binary === undefined) throw new Error("redis-benchmark is not installed (redis-tools)");
  const args = ["-h", "127.0.0.1", "-p", String(port), "-t", "set", "-c", String(clients)];
  args.push("-n", String(requests), "--csv", ...(bytes === undefined ? [] : ["-d", String(bytes)]));
  const started = performance.now();
  const { stdout } = await run(binary, args);
  const seconds = (performance.now() - started) / 1000;
  // CSV: a header line ("test","rps",...) on newer versions, then "SET","12345.68",...
  const line = stdout.split("\n").find((l) => l.startsWith('"SET"'));
  const rps = Number(line?.split(",")[1]?.replace(/"/g, ""));
  if (!Number.isFinite(rps)) throw new Error(`redis-benchmark printed no SET rate:\n${stdout}`);
  return { writes: requests, seconds, writesPerSecond: rps };
}

export async function runRedisStoreBench(options: RedisBenchOptions): Promise<RedisBenchResult> {
  const [redis, nats] = await Promise.all([RedisServerProcess.start(), NatsServerProcess.start()]);
  try {
    const open = async (): Promise<OpenedStore> => {
      const prefix = `bench-${randomUUID()}`;
      const store = await openRedisStore({ redisUrl: redis.url, natsUrl: nats.url, prefix });
      return {
        store,
        batches: () => Number.NaN,
        close: async () => {
          await store.close();
          await deleteRedisStore(redis.url, prefix);
        },
      };
    };
    // Warm-up (JIT, connections, the script cache), not counted.
    await storeThroughput({ ...options, writes: Math.min(options.writes, 8192) }, open);

    const stores: (Awaited<ReturnType<typeof storeThroughput>> & { redisCpuMs: number })[] = [];
    const same: (ThroughputResult & { redisCpuMs: number })[] = [];
    const dflt: ThroughputResult[] = [];
    const phases: (() => Promise<void>)[] = [
      async () => {
        const cpu = processCpuMs(redis.pid);
        const r = await storeThroughput(options, open);
        stores.push({ ...r, redisCpuMs: processCpuMs(redis.pid) - cpu });
      },
      async () => {
        const cpu = processCpuMs(redis.pid);
        const r = await redisBenchmark(
          redis.port,
          options.writers,
          options.writes,
          options.valueBytes,
        );
        same.push({ ...r, redisCpuMs: processCpuMs(redis.pid) - cpu });
      },
      async () =>
        void dflt.push(
          await redisBenchmark(redis.port, options.writers, options.writes, undefined),
        ),
    ];
    for (let round = 0; round < options.rounds; round++)
      for (let i = 0; i < phases.length; i++) await phases[(i + round) % phases.length]?.();

    const top = stores.reduce((a, b) =>
      b.throughput.writesPerSecond > a.throughput.writesPerSecond ? b : a,
    );
    const sameBest = same.reduce((a, b) => (b.writesPerSecond > a.writesPerSecond ? b : a));
    const setSameSize = best(same);
    const setDefaultSize = best(dflt);
    const rate = top.throughput.writesPerSecond;
    return {
      store: {
        ...top.throughput,
        runs: stores.map((s) => Math.round(s.throughput.writesPerSecond)),
      },
      watchLatencyFullLoad: top.latency,
      redisCpuUsPerWrite: {
        store: (top.redisCpuMs * 1000) / top.throughput.writes,
        setSameSize: (sameBest.redisCpuMs * 1000) / sameBest.writes,
      },
      ceiling: { setSameSize, setDefaultSize },
      ratio: {
        toSetSameSize: rate / setSameSize.writesPerSecond,
        toSetDefaultSize: rate / setDefaultSize.writesPerSecond,
      },
    };
  } finally {
    await Promise.all([redis.dispose(), nats.dispose()]);
  }
}
