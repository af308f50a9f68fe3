// One probe of one container run (liveness, readiness or startup): a single timer that
// fires an attempt, then the next one a period after the previous began (a slow attempt
// delays the next, attempts never overlap). The result flips only after successThreshold
// consecutive successes or failureThreshold consecutive failures; an attempt that could
// not be carried out (unknown) counts neither way, as in Kubernetes' worker.
import type { Clock, Timer } from "@k8ts/sdk";
import type { ProbeOutcome } from "./probe-outcome.js";
import type { ProbeSettings } from "./probe-settings.js";

export interface ProbeWorkerOptions {
  readonly settings: ProbeSettings;
  readonly clock: Clock;
  /** One attempt; undefined when it could not be carried out. Aborted by stop(). */
  readonly attempt: (signal: AbortSignal) => Promise<ProbeOutcome | undefined>;
  /**
   * The result, each time an attempt completes a run of enough equal outcomes (a warning
   * counts as success). Returns whether to keep probing.
   */
  readonly onResult: (success: boolean, outcome: ProbeOutcome) => boolean;
  /** An attempt or onResult threw: a bug, logged by the owner; probing goes on. */
  readonly onError: (err: unknown) => void;
}

export class ProbeWorker {
  private timer: Timer | undefined;
  private inFlight: AbortController | undefined;
  private stopped = false;
  private lastSuccess: boolean | undefined;
  private run = 0;

  constructor(private readonly options: ProbeWorkerOptions) {}

  /**
   * Makes the next attempt at monotonic time `at` (at once if that has passed), replacing
   * a timer set before; does nothing while an attempt runs or after stop().
   */
  probeAt(at: number): void {
    if (this.stopped || this.inFlight !== undefined) return;
    const { clock } = this.options;
    this.timer?.cancel();
    this.timer = clock.setTimer(at - clock.now(), () => {
      this.timer = undefined;
      void this.probe();
    });
  }

  /** Cancels the timer and aborts a running attempt; its outcome is ignored. Idempotent. */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.inFlight?.abort();
  }

  /** One attempt and what follows from it; never rejects. */
  private async probe(): Promise<void> {
    const { clock, settings } = this.options;
    const began = clock.now();
    const controller = new AbortController();
    this.inFlight = controller;
    let keep = true;
    try {
      const outcome = await this.options.attempt(controller.signal);
      this.inFlight = undefined;
      if (outcome !== undefined && !this.stopped) keep = this.count(outcome);
    } catch (err: unknown) {
      // A bug in an attempt or a callback: reported, and probing goes on.
      if (!this.stopped) this.options.onError(err);
    } finally {
      this.inFlight = undefined;
    }
    if (!keep) this.stop();
    else this.probeAt(began + settings.periodMs);
  }

  /** Counts an outcome; returns whether to keep probing. */
  private count(outcome: ProbeOutcome): boolean {
    const ok = outcome.result !== "failure";
    if (this.lastSuccess === ok) {
      this.run++;
    } else {
      this.lastSuccess = ok;
      this.run = 1;
    }
    const { successThreshold, failureThreshold } = this.options.settings;
    if (this.run < (ok ? successThreshold : failureThreshold)) return true;
    return this.options.onResult(ok, outcome);
  }
}
