// The store workload every backend runs in the store benchmark: `writers` writers, each
// creating a key and then updating it conditionally (with the modRevision the create
// returned), 1 KB values, and a watcher measuring write-call-to-event latency.
import type { Store, WatchEvent } from "@k8ts/apiserver/storage";

export interface WorkloadOptions {
  readonly writes: number;
  readonly writers: number;
  readonly valueBytes: number;
}

export interface Latency {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface ThroughputResult {
  readonly writes: number;
  readonly seconds: number;
  readonly writesPerSecond: number;
}

/** A store opened for one run; `batches()` counts its commits where the backend can. */
export interface OpenedStore {
  readonly store: Store;
  batches(): number;
  close(): Promise<void>;
}

/** A value of the given size that differs per write (so no update is a no-op). */
export function valueFor(size: number, seed: number): Uint8Array {
  const value = Buffer.alloc(size, seed % 251);
  value.writeUInt32BE(seed >>> 0, 0);
  return value;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function summarize(samples: number[]): Latency {
  samples.sort((a, b) => a - b);
  return {
    samples: samples.length,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    maxMs: samples.at(-1) ?? Number.NaN,
  };
}

/**
 * Follows every event and records (now - call time) for writes whose call time is known.
 * Ends when it has seen `revision` or the signal aborts.
 */
export class LatencyProbe {
  readonly started = new Map<string, number>();
  readonly samples: number[] = [];
  private readonly done: Promise<void>;
  private target = Number.POSITIVE_INFINITY;
  private last = 0;
  private reached: (() => void) | undefined;

  constructor(store: Store, fromRevision: number, signal: AbortSignal) {
    this.done = this.follow(store.watch("", fromRevision, signal));
  }

  /** Marks a write as issued now; `tag` distinguishes writes of one key. */
  issue(key: string, tag: string): void {
    this.started.set(key + tag, performance.now());
  }

  /** Resolves once the event for `revision` has been delivered. */
  until(revision: number): Promise<void> {
    if (this.last >= revision) return Promise.resolve();
    this.target = revision;
    return new Promise((resolve) => {
      this.reached = resolve;
    });
  }

  finished(): Promise<void> {
    return this.done;
  }

  private async follow(events: AsyncIterableIterator<WatchEvent>): Promise<void> {
    for await (const event of events) {
      const tag = event.type === "ADDED" ? "+" : "~";
      const started = this.started.get(event.key + tag);
      if (started !== undefined) {
        this.samples.push(performance.now() - started);
        this.started.delete(event.key + tag);
      }
      this.last = event.revision;
      if (this.last >= this.target) {
        this.target = Number.POSITIVE_INFINITY;
        this.reached?.();
      }
    }
  }
}

/** 64 (or --writers) writers, each: create a key, then update it with its modRevision. */
export async function storeThroughput(
  options: WorkloadOptions,
  open: () => Promise<OpenedStore>,
): Promise<{ throughput: ThroughputResult; latency: Latency; batches: number }> {
  const opened = await open();
  const store = opened.store;
  const stop = new AbortController();
  try {
    const first = await store.currentRevision();
    const probe = new LatencyProbe(store, first, stop.signal);
    const perWriter = Math.ceil(options.writes / options.writers);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.writers }, async (_, w) => {
        for (let i = 0; i + 1 < perWriter; i += 2) {
          const key = `/registry/bench/w${w}/k${i}`;
          probe.issue(key, "+");
          const created = await store.create(key, valueFor(options.valueBytes, i));
          probe.issue(key, "~");
          await store.update(key, valueFor(options.valueBytes, i + 1), created.modRevision);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const last = await store.currentRevision();
    const writes = last - first;
    await probe.until(last);
    return {
      throughput: { writes, seconds, writesPerSecond: writes / seconds },
      latency: summarize(probe.samples),
      batches: opened.batches(),
    };
  } finally {
    stop.abort();
    await opened.close();
  }
}

/** The best run (highest rate): on a shared machine the least disturbed one. */
export function best(runs: readonly ThroughputResult[]): ThroughputResult & { runs: number[] } {
  const top = runs.reduce((a, b) => (b.writesPerSecond > a.writesPerSecond ? b : a));
  return { ...top, runs: runs.map((run) => Math.round(run.writesPerSecond)) };
}
