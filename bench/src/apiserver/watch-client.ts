// One watcher process of the watch benchmark: `--count` Pod watches over one ApiClient
// (one HTTP/2 connection), selected by watch-workload.ts. For every event it records the
// time from the write call (the `bench/sent-at` annotation, wall time from the monotonic
// clock) to its arrival here.
//
// Protocol on fd 3 (JSON lines): -> {"ready":true} once every watch has its initial-events
// BOOKMARK; <- {"finish":true,"writes":N,"drainMs":D} after the writer's last write; ->
// {"done":true,...} once every watch still open has the deliveries it should have for N
// writes (or D ms passed), with (write time, latency) pairs in the --result file
// (Float64Array, ms).
// Exits when the pipe closes.
//
//   node bench/dist/apiserver/watch-client.js --server HOST:PORT --first J --count N
//        --per-process N --total N --mix kubelets|selectors --prefix P --result FILE
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { ApiClient } from "@k8ts/sdk";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { SENT_AT_ANNOTATION, WARMUP_ANNOTATION, wallClockMs } from "./bench-pod.js";
import { openParentLink } from "./parent-link.js";
import {
  INITIAL_EVENTS_END_ANNOTATION,
  WATCH_MIXES,
  expectedDeliveries,
  watchSelection,
  type WatchMix,
  type WatcherSet,
} from "./watch-workload.js";

/**
 * Measured (not warm-up) deliveries as (write time, latency) pairs, so that the tail can
 * be placed in time, and the first and last arrival.
 */
class Deliveries {
  private pairs = new Float64Array(1 << 17);
  measured = 0;
  firstArrival = Number.POSITIVE_INFINITY;
  lastArrival = 0;

  /** The event's latency (ms), recorded unless it is a warm-up write. */
  record(pod: Pod, now: number): number {
    const annotations = pod.metadata?.annotations ?? {};
    const sentAt = Number(annotations[SENT_AT_ANNOTATION]);
    const latency = now - sentAt;
    if (annotations[WARMUP_ANNOTATION] === "true") return latency;
    if (2 * this.measured === this.pairs.length) {
      const bigger = new Float64Array(this.pairs.length * 2);
      bigger.set(this.pairs);
      this.pairs = bigger;
    }
    this.pairs[2 * this.measured] = sentAt;
    this.pairs[2 * this.measured + 1] = latency;
    this.measured++;
    if (now < this.firstArrival) this.firstArrival = now;
    if (now > this.lastArrival) this.lastArrival = now;
    return latency;
  }

  bytes(): Buffer {
    return Buffer.from(this.pairs.buffer, 0, 2 * this.measured * Float64Array.BYTES_PER_ELEMENT);
  }
}

interface Watcher {
  received: number;
  /** Latency of the last event received (ms): how far behind this watcher was. */
  lastLatencyMs: number;
  failure: string | undefined;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      server: { type: "string" },
      first: { type: "string", default: "0" },
      count: { type: "string", default: "250" },
      "per-process": { type: "string", default: "250" },
      total: { type: "string", default: "1000" },
      mix: { type: "string", default: "kubelets" },
      prefix: { type: "string", default: "w" },
      result: { type: "string" },
    },
  });
  const server = values.server;
  const result = values.result;
  if (server === undefined || result === undefined)
    throw new Error("--server and --result are required");
  const mix = values.mix as WatchMix;
  if (!WATCH_MIXES.includes(mix)) throw new Error(`unknown --mix ${values.mix}`);
  const set: WatcherSet = {
    first: Number(values.first),
    count: Number(values.count),
    perProcess: Number(values["per-process"]),
    total: Number(values.total),
    mix,
    prefix: values.prefix,
  };

  const link = openParentLink();
  const client = new ApiClient({ server });
  const pods = client.kind("Pod");
  const stop = new AbortController();
  const deliveries = new Deliveries();
  const watchers: Watcher[] = Array.from({ length: set.count }, () => ({
    received: 0,
    lastLatencyMs: Number.NaN,
    failure: undefined,
  }));
  let established = 0;

  const shutdown = (): void => {
    stop.abort();
    client.close();
    link.close();
    // Streams cancelled, connection closed: nothing left worth waiting for.
    setTimeout(() => process.exit(0), 200).unref();
  };
  link.onGone(shutdown);
  process.on("SIGTERM", shutdown);
  process.on("SIGINT", shutdown);

  const follow = async (k: number, w: Watcher): Promise<void> => {
    const selection = watchSelection(set.first + k, set.perProcess, set.mix);
    let started = false;
    for await (const event of pods.watch({ ...selection, signal: stop.signal })) {
      const now = wallClockMs();
      if (event.type === "BOOKMARK") {
        const annotations = event.object.metadata?.annotations ?? {};
        if (!started && annotations[INITIAL_EVENTS_END_ANNOTATION] === "true") {
          started = true;
          if (++established === set.count) link.send({ ready: true });
        }
        continue;
      }
      w.received++;
      w.lastLatencyMs = deliveries.record(event.object, now);
    }
    if (!stop.signal.aborted) throw new Error("the server ended the stream");
  };
  watchers.forEach((w, k) => {
    follow(k, w).catch((e: unknown) => {
      w.failure =
        `watcher ${set.first + k} after ${w.received} events, the last ${w.lastLatencyMs.toFixed(0)} ms ` +
        `after its write: ${e instanceof Error ? e.message : String(e)}`;
    });
  });

  link.onMessage((message) => {
    if (message.finish !== true) return;
    const expected = expectedDeliveries(set, Number(message.writes));
    const deadline = performance.now() + Number(message.drainMs);
    // A failed watch gets nothing more: wait only for the open ones.
    const waiting = (): boolean =>
      watchers.some((w, k) => w.failure === undefined && w.received < (expected[k] ?? 0));
    const report = async (): Promise<void> => {
      while (waiting() && performance.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      await writeFile(result, deliveries.bytes());
      const failures = watchers.flatMap((w) => (w.failure === undefined ? [] : [w.failure]));
      link.send({
        done: true,
        expected: expected.reduce((a, b) => a + b, 0),
        received: watchers.reduce((n, w) => n + w.received, 0),
        measured: deliveries.measured,
        firstArrival: deliveries.firstArrival,
        lastArrival: deliveries.lastArrival,
        failedWatches: failures.length,
        failures: failures.slice(0, 3),
      });
    };
    report().catch((e: unknown) => {
      link.send({ done: true, error: e instanceof Error ? e.message : String(e) });
    });
  });
}

try {
  main();
} catch (error: unknown) {
  process.stderr.write(
    `watch-client: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}
