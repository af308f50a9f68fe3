// Where a pod's scheduling time went, by phase (queue wait, filter/score, bind), over the
// last pods scheduled: percentiles for /statusz, for operators and the scheduler benchmark.
// A fixed ring per phase bounds memory however many pods pass.
import type { ScheduledRecord } from "./scheduler.js";

export const PHASES = ["queue", "algorithm", "bind"] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseSummary {
  /** Pods in the window (at most the ring size). */
  readonly count: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

class Ring {
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(size: number) {
    this.values = new Float64Array(size);
  }

  add(v: number): void {
    this.values[this.next] = v;
    this.next = (this.next + 1) % this.values.length;
    this.filled = Math.min(this.filled + 1, this.values.length);
  }

  summary(): PhaseSummary {
    const sorted = this.values.slice(0, this.filled).sort();
    const at = (p: number): number =>
      sorted.length === 0
        ? 0
        : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
    return {
      count: sorted.length,
      p50Ms: at(0.5),
      p90Ms: at(0.9),
      p99Ms: at(0.99),
      maxMs: sorted.at(-1) ?? 0,
    };
  }
}

export class PhaseLatencies {
  private readonly rings: Record<Phase, Ring>;

  /** Keeps the last `window` pods (default 20,000). */
  constructor(window = 20_000) {
    this.rings = { queue: new Ring(window), algorithm: new Ring(window), bind: new Ring(window) };
  }

  record(r: ScheduledRecord): void {
    this.rings.queue.add(r.queueMs);
    this.rings.algorithm.add(r.algorithmMs);
    this.rings.bind.add(r.bindMs);
  }

  summary(): Record<Phase, PhaseSummary> {
    return {
      queue: this.rings.queue.summary(),
      algorithm: this.rings.algorithm.summary(),
      bind: this.rings.bind.summary(),
    };
  }
}
