// The watch phase: watcher processes (watch-client.ts) connect to a server, then this
// process creates Pods at a steady rate, each carrying its call time, and the watchers
// report the delivery latency of every event they received. The same for the apiserver
// and the bare broadcast server.
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ApiClient } from "@k8ts/sdk";
import { SENT_AT_ANNOTATION, WARMUP_ANNOTATION, benchPod, wallClockMs } from "./bench-pod.js";
import { BenchChild } from "./child-process.js";
import { ownCpuMs, processCpuMs } from "./cpu-time.js";
import { summarize, type Latency } from "./latency.js";
import { watchPlacement, type WatchMix } from "./watch-workload.js";

export interface WatchLoadOptions {
  readonly watchers: number;
  readonly watchProcesses: number;
  readonly writeRate: number;
  readonly watchSeconds: number;
  readonly watchWarmupSeconds: number;
  readonly watchMix: WatchMix;
}

export interface WatchResult {
  readonly target: string;
  readonly watchers: number;
  readonly processes: number;
  readonly mix: WatchMix;
  readonly writes: { readonly issued: number; readonly measured: number };
  readonly writeRateAchieved: number;
  readonly writeCall: Latency;
  readonly writeErrors: number;
  readonly firstWriteError: string | undefined;
  /** Ticks of the measured window at which writes were due but WRITER_MAX_INFLIGHT were pending. */
  readonly writerStalledTicks: number;
  readonly deliveriesExpected: number;
  readonly deliveriesReceived: number;
  /** Watchers reached per write. */
  readonly fanOut: number;
  readonly delivery: Latency;
  /** Per second of the measured window (by write time): the deliveries' p50/p99/max. */
  readonly timeline: readonly (Latency & { readonly second: number })[];
  readonly deliveredPerSecond: number;
  readonly failedWatches: number;
  readonly failures: readonly string[];
  /** Server process CPU per measured write, µs (each write: the create and its deliveries). */
  readonly serverCpuUsPerWrite: number;
  /** Watcher processes' CPU per measured delivery, µs. */
  readonly watcherCpuUsPerDelivery: number;
  /** CPU cores busy on average over the measured window (2 = all of this machine's). */
  readonly coresUsed: {
    readonly server: number;
    readonly watchers: number;
    readonly writer: number;
  };
}

const WATCH_CLIENT = join(dirname(fileURLToPath(import.meta.url)), "watch-client.js");
/**
 * The writer never has more than this many creates pending: the apiserver answers
 * RESOURCE_EXHAUSTED past --max-inflight (400 by default).
 */
const WRITER_MAX_INFLIGHT = 256;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Writes {
  readonly issued: number;
  readonly measured: number;
  readonly rate: number;
  readonly call: Latency;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly stalledTicks: number;
  /** Wall time (ms) of the first measured write. */
  readonly measuredStartWall: number;
}

/**
 * Creates at a steady rate, on schedule rather than waiting for each other (1 ms ticks),
 * each carrying its call time; writes of the first `watchWarmupSeconds` are marked as
 * warm-up. `onMeasured` runs when the measured window starts.
 */
async function steadyWrites(
  client: ApiClient,
  options: WatchLoadOptions,
  prefix: string,
  onMeasured: () => void,
): Promise<Writes> {
  const pods = client.kind("Pod");
  const rate = options.writeRate;
  const warmup = rate * options.watchWarmupSeconds;
  const total = warmup + rate * options.watchSeconds;
  const pending = new Set<Promise<void>>();
  const callMs: number[] = [];
  let issued = 0;
  let stalledTicks = 0;
  let errors = 0;
  let firstError: string | undefined;
  let measuredStart: number | undefined;
  let measuredStartWall = Number.NaN;
  const started = performance.now();
  const hardDeadline = started + (options.watchWarmupSeconds + options.watchSeconds) * 2000;
  while (issued < total && performance.now() < hardDeadline) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000));
    while (issued < due && pending.size < WRITER_MAX_INFLIGHT) {
      const i = issued++;
      if (i === warmup) {
        measuredStart = performance.now();
        measuredStartWall = wallClockMs();
        onMeasured();
      }
      const annotations: Record<string, string> = {};
      if (i < warmup) annotations[WARMUP_ANNOTATION] = "true";
      const t = performance.now();
      annotations[SENT_AT_ANNOTATION] = wallClockMs().toFixed(3);
      const call: Promise<void> = pods
        .create(benchPod(watchPlacement(i, prefix, options.watchers), annotations))
        .then(
          () => {
            if (i >= warmup) callMs.push(performance.now() - t);
          },
          (e: unknown) => {
            errors++;
            firstError ??= e instanceof Error ? e.message : String(e);
          },
        )
        .finally(() => pending.delete(call));
      pending.add(call);
    }
    if (issued < due && measuredStart !== undefined) stalledTicks++;
    await sleep(1);
  }
  const measuredSeconds = (performance.now() - (measuredStart ?? started)) / 1000;
  await Promise.all(pending);
  const measured = Math.max(0, issued - warmup);
  return {
    issued,
    measured,
    rate: measured / measuredSeconds,
    call: summarize(callMs),
    errors,
    firstError,
    stalledTicks,
    measuredStartWall,
  };
}

/** Deliveries grouped by the second (since `start`) in which their write was issued. */
function timeline(
  pairs: readonly Float64Array[],
  start: number,
): (Latency & { readonly second: number })[] {
  const bySecond: number[][] = [];
  for (const part of pairs)
    for (let i = 0; i + 1 < part.length; i += 2) {
      const second = Math.max(0, Math.floor(((part[i] ?? start) - start) / 1000));
      (bySecond[second] ??= []).push(part[i + 1] ?? 0);
    }
  return [...bySecond.entries()].map(([second, samples]) => ({
    second,
    ...summarize(samples ?? []),
  }));
}

const num = (v: unknown, fallback: number): number =>
  typeof v === "number" && Number.isFinite(v) ? v : fallback;

/** One watch phase against `address`, the writer using `writer` (a client of the same server). */
export async function watchPhase(
  target: string,
  address: string,
  serverPid: number | undefined,
  writer: ApiClient,
  options: WatchLoadOptions,
  workDir: string,
  logDir: string,
): Promise<WatchResult> {
  const perProcess = options.watchers / options.watchProcesses;
  const prefix = `${target}-w`;
  const resultFile = (p: number): string => join(workDir, `${target}-watcher-${p}.f64`);
  const children = await Promise.all(
    Array.from({ length: options.watchProcesses }, (_, p) =>
      BenchChild.start({
        name: `${target} watcher ${p}`,
        script: WATCH_CLIENT,
        args: [
          ...["--server", address, "--first", String(p * perProcess)],
          ...["--count", String(perProcess), "--per-process", String(perProcess)],
          ...["--total", String(options.watchers), "--mix", options.watchMix],
          ...["--prefix", prefix, "--result", resultFile(p)],
        ],
        logFile: join(logDir, `${target}-watcher-${p}.log`),
        readyTimeoutMs: 30_000,
      }),
    ),
  );
  try {
    const cpuOf = (): { at: number; server: number; watchers: number; writer: number } => ({
      at: performance.now(),
      server: processCpuMs(serverPid),
      watchers: children.reduce((ms, c) => ms + processCpuMs(c.child.pid), 0),
      writer: ownCpuMs(),
    });
    let cpuAtStart = cpuOf();
    const writes = await steadyWrites(writer, options, prefix, () => {
      cpuAtStart = cpuOf();
    });
    // CPU over the writing window (the drain that follows may be mostly waiting).
    const cpuAtEnd = cpuOf();
    for (const c of children) c.send({ finish: true, writes: writes.issued, drainMs: 15_000 });
    const reports = await Promise.all(children.map((c) => c.next((m) => m.done === true, 25_000)));
    const window = cpuAtEnd.at - cpuAtStart.at;
    const pairs = await Promise.all(
      children.map(async (_, p) => {
        const bytes = await readFile(resultFile(p));
        return new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
      }),
    );
    const all = new Float64Array(pairs.reduce((n, part) => n + part.length / 2, 0));
    let at = 0;
    for (const part of pairs) for (let i = 1; i < part.length; i += 2) all[at++] = part[i] ?? 0;
    const first = Math.min(...reports.map((r) => num(r.firstArrival, Number.POSITIVE_INFINITY)));
    const last = Math.max(...reports.map((r) => num(r.lastArrival, 0)));
    const expected = reports.reduce((n, r) => n + num(r.expected, 0), 0);
    const failures = reports.flatMap((r) => [
      ...(Array.isArray(r.failures) ? r.failures.map(String) : []),
      ...(typeof r.error === "string" ? [r.error] : []),
    ]);
    return {
      target,
      watchers: options.watchers,
      processes: options.watchProcesses,
      mix: options.watchMix,
      writes: { issued: writes.issued, measured: writes.measured },
      writeRateAchieved: writes.rate,
      writeCall: writes.call,
      writeErrors: writes.errors,
      firstWriteError: writes.firstError,
      writerStalledTicks: writes.stalledTicks,
      deliveriesExpected: expected,
      deliveriesReceived: reports.reduce((n, r) => n + num(r.received, 0), 0),
      fanOut: expected / Math.max(1, writes.issued),
      delivery: summarize(all),
      timeline: timeline(pairs, writes.measuredStartWall),
      deliveredPerSecond: last > first ? (all.length * 1000) / (last - first) : Number.NaN,
      failedWatches: reports.reduce((n, r) => n + num(r.failedWatches, 0), 0),
      failures: failures.slice(0, 5),
      serverCpuUsPerWrite:
        ((cpuAtEnd.server - cpuAtStart.server) * 1000) / Math.max(1, writes.measured),
      watcherCpuUsPerDelivery:
        ((cpuAtEnd.watchers - cpuAtStart.watchers) * 1000) / Math.max(1, all.length),
      coresUsed: {
        server: (cpuAtEnd.server - cpuAtStart.server) / window,
        watchers: (cpuAtEnd.watchers - cpuAtStart.watchers) / window,
        writer: (cpuAtEnd.writer - cpuAtStart.writer) / window,
      },
    };
  } finally {
    await Promise.all(children.map((c) => c.stop(3_000)));
  }
}
