// A task that runs at most once at a time, however often it is asked for: a request while
// it runs makes it run once more afterwards (the later run sees every change since), so a
// burst of changes costs two runs, not one per change. Plugins write their state files
// with it.

export class CoalescedTask {
  private running: Promise<void> | undefined;
  private requested = false;
  /** Waiters for the run after the current one. */
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  /**
   * `run` does the work; `onError` hears about a failed run that nobody awaits (the
   * task runs again on the next request).
   */
  constructor(
    private readonly run: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Runs the task soon; returns at once. */
  request(): void {
    this.requested = true;
    this.running ??= this.loop();
  }

  /** Runs the task and resolves once a run that started after this call has finished. */
  requestAndWait(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.request();
    });
  }

  /** Resolves when no run is in progress or requested. */
  async idle(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.requested) {
      this.requested = false;
      const waiters = this.waiters;
      this.waiters = [];
      try {
        await this.run();
        for (const w of waiters) w.resolve();
      } catch (err) {
        if (waiters.length === 0) this.onError(err);
        for (const w of waiters) w.reject(err);
      }
    }
    this.running = undefined;
  }
}
