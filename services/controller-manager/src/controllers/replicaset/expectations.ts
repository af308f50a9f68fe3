// Expectations (Kubernetes' UIDTrackingControllerExpectations): what a controller has asked
// the API to create or delete for one owner and not yet seen through its informer. Until
// they are seen, the cache lags behind the controller's own writes, and acting on it would
// create or delete again; so an owner with pending expectations is not scaled. Creations
// are a count (a new pod's name is not known before the answer); deletions are tracked by
// pod key, so only the deletion of a pod that was asked for counts. Expectations expire
// after a while, so a lost event cannot stop an owner forever. They live in memory only:
// a new controller (restart, new leadership term) starts with none, and its informers'
// first list already shows every earlier write.
import type { Clock } from "@k8ts/sdk";

/** How long expectations hold before the owner is synced anyway (Kubernetes: 5 minutes). */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60_000;

interface Expectation {
  /** Creations not yet observed (may go below 0: extra observations are harmless). */
  creates: number;
  /** Keys of pods whose deletion was asked for and not yet observed. */
  readonly deletes: Set<string>;
  /** Monotonic time at which the expectations were set. */
  readonly setAt: number;
}

export interface PendingExpectations {
  readonly creates: number;
  readonly deletes: number;
}

export class ControllerExpectations {
  private readonly records = new Map<string, Expectation>();

  constructor(
    private readonly clock: Clock,
    private readonly timeoutMs = EXPECTATIONS_TIMEOUT_MS,
  ) {}

  /**
   * Whether `key` may be synced: nothing is pending, its expectations expired, or it has
   * none (a new owner, or a controller that just started).
   */
  satisfied(key: string): boolean {
    const e = this.records.get(key);
    if (e === undefined) return true;
    if (e.creates <= 0 && e.deletes.size === 0) return true;
    return this.clock.now() - e.setAt >= this.timeoutMs;
  }

  /** Milliseconds until `key`'s pending expectations expire (0 if satisfied). */
  msUntilExpiry(key: string): number {
    const e = this.records.get(key);
    if (e === undefined || this.satisfied(key)) return 0;
    return Math.max(0, e.setAt + this.timeoutMs - this.clock.now());
  }

  /** `count` creations are about to be asked for (replaces what `key` expected). */
  expectCreations(key: string, count: number): void {
    this.records.set(key, { creates: count, deletes: new Set(), setAt: this.clock.now() });
  }

  /** The pods `podKeys` are about to be deleted (replaces what `key` expected). */
  expectDeletions(key: string, podKeys: readonly string[]): void {
    this.records.set(key, { creates: 0, deletes: new Set(podKeys), setAt: this.clock.now() });
  }

  /** A pod of `key` was seen created, or a creation will not happen (it failed). */
  creationObserved(key: string, count = 1): void {
    const e = this.records.get(key);
    if (e !== undefined) e.creates -= count;
  }

  /** The pod `podKey` of `key` was seen deleted (or terminating), or its delete failed. */
  deletionObserved(key: string, podKey: string): void {
    this.records.get(key)?.deletes.delete(podKey);
  }

  /** Forgets `key` (its owner is gone). */
  delete(key: string): void {
    this.records.delete(key);
  }

  /** What `key` still waits for, if it has expectations. */
  pending(key: string): PendingExpectations | undefined {
    const e = this.records.get(key);
    return e === undefined ? undefined : { creates: e.creates, deletes: e.deletes.size };
  }

  /** Owners with expectations that are neither met nor expired. */
  unsatisfiedCount(): number {
    let n = 0;
    for (const key of this.records.keys()) if (!this.satisfied(key)) n++;
    return n;
  }
}
