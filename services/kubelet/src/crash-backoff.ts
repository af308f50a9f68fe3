// Exponential back-off between restarts of a failing container (CrashLoopBackOff) and
// between image pulls that failed (ImagePullBackOff), as Kubernetes' kubelet keeps it: the
// first restart is immediate, each later one waits twice as long as the previous (from
// the initial delay up to the cap), and an entry untouched for twice the cap is forgotten,
// so a container that ran well for a while starts over at the initial delay.

interface Entry {
  delayMs: number;
  updatedAt: number;
}

export class CrashBackoff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly initialMs: number,
    readonly maxMs: number,
  ) {}

  /**
   * Milliseconds to wait before restarting `key` whose last run ended at `since`
   * (0 = not in back-off).
   */
  remaining(key: string, since: number, now: number): number {
    const e = this.entries.get(key);
    if (e === undefined) return 0;
    if (now - e.updatedAt > 2 * this.maxMs) {
      this.entries.delete(key);
      return 0;
    }
    return Math.max(0, since + e.delayMs - now);
  }

  /** The current delay of `key` (0 if none), for messages. */
  delay(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Records a restart of `key`: the next one waits longer. */
  next(key: string, now: number): void {
    const e = this.entries.get(key);
    const delayMs =
      e === undefined || now - e.updatedAt > 2 * this.maxMs
        ? this.initialMs
        : Math.min(e.delayMs * 2, this.maxMs);
    this.entries.set(key, { delayMs, updatedAt: now });
  }

  /** Forgets every key starting with `prefix` (a pod's keys when it goes away). */
  forgetPrefix(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }
}
