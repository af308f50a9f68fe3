// Lease-based leader election, as client-go's leaderelection with a Lease lock:
// - a candidate takes the Lease when it is free (no holder) or expired;
// - expiry is judged by the LOCAL MONOTONIC time at which this process last saw the
//   Lease's resourceVersion change, plus the Lease's duration: never by comparing the
//   holder's renewTime with our wall clock (clocks differ between machines);
// - every write is an Update conditional on the resourceVersion read, so of two candidates
//   exactly one wins (the other gets a conflict);
// - the leader renews every retryPeriod; if it has not renewed for renewDeadline it stops
//   acting AT ONCE (the signal given to onStartedLeading aborts), without waiting for a
//   hanging request; renewDeadline < leaseDuration leaves others a margin before they
//   may take over;
// - a graceful stop releases the Lease (empty holder), so a successor takes over at once;
//   a leader that lost the Lease never writes it again.
import type { ApiClient, KindClient } from "../client/api-client.js";
import { ApiStatusError } from "../client/api-status-error.js";
import { Lease, type LeaseSpec } from "../gen/k8ts/api/v1/lease.js";
import { stderrLogger, type Logger } from "../logging/logger.js";
import { sleep, systemClock, type Clock } from "../timing/clock.js";

export interface LeaderCallbacks {
  /**
   * This process became the leader. `signal` aborts the moment it stops being the leader:
   * all leader-only work must stop on it. A returned promise is awaited (up to
   * renewDeadline) before the Lease is released on a graceful stop; if it rejects (or this
   * throws), the elector steps down and releases the Lease.
   */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once after leading ended (lost, or stopped), after the signal aborted. */
  onStoppedLeading?(): void;
  /** The observed holder changed (this process included). */
  onNewLeader?(identity: string): void;
}

export interface LeaderElectionOptions {
  readonly client: ApiClient;
  /** The Lease's namespace (default "kube-system") and name. */
  readonly namespace?: string;
  readonly name: string;
  /** This candidate, unique among candidates (e.g. hostname + random suffix). */
  readonly identity: string;
  /**
   * How long others wait after the Lease last changed before taking it (default 15 s).
   * Written to the Lease in whole seconds (rounded up), which is what candidates use.
   */
  readonly leaseDurationMs?: number;
  /** How long the leader keeps trying to renew before it stops acting (default 10 s). */
  readonly renewDeadlineMs?: number;
  /** Interval of renewals and of attempts to acquire (default 2 s, jittered for attempts). */
  readonly retryPeriodMs?: number;
  /** Release the Lease when run()'s signal aborts (default true). */
  readonly releaseOnCancel?: boolean;
  readonly callbacks: LeaderCallbacks;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

/** Renew attempts and acquire attempts get a jitter of up to this fraction of retryPeriod. */
const JITTER = 0.2;

export class LeaderElector {
  private readonly leases: KindClient<Lease>;
  private readonly namespace: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly log: Logger;
  private readonly clock: Clock;
  /** The Lease as last read or written, and the monotonic time its version changed. */
  private observed: Lease | undefined;
  private observedAt = 0;
  private reportedLeader = "";
  private leading = false;
  private running = false;
  /** Monotonic start of the last successful attempt: the Lease is ours from then on. */
  private lastSuccessStart = 0;

  constructor(private readonly options: LeaderElectionOptions) {
    this.leases = options.client.kind("Lease");
    this.namespace = options.namespace ?? "kube-system";
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    this.log = options.logger ?? stderrLogger("leader-election");
    this.clock = options.clock ?? systemClock;
    if (options.identity === "") throw new RangeError("identity must not be empty");
    if (this.leaseDurationMs <= this.renewDeadlineMs)
      throw new RangeError("leaseDurationMs must be greater than renewDeadlineMs");
    if (this.renewDeadlineMs <= this.retryPeriodMs * (1 + JITTER))
      throw new RangeError("renewDeadlineMs must be greater than retryPeriodMs * 1.2");
  }

  /** Whether this process currently leads. */
  isLeader(): boolean {
    return this.leading;
  }

  /** The holder of the Lease as last observed ("" if none). */
  leader(): string {
    return this.observed?.spec?.holderIdentity ?? "";
  }

  /**
   * Campaigns until this process leads, leads until the Lease is lost or `signal` aborts,
   * then resolves (after releasing the Lease on a graceful stop). To stand again after
   * losing, call run() again. Never throws for API failures: they are logged and retried.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (this.running) throw new Error("this elector is already running");
    this.running = true;
    try {
      if (!(await this.acquire(signal))) return;
      await this.lead(signal);
    } finally {
      this.running = false;
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    this.log.info({ lease: this.leaseName(), identity: this.options.identity }, "campaigning");
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew(signal)) return true;
      const wait = this.retryPeriodMs * (1 + JITTER * Math.random());
      if (!(await sleep(wait, signal, this.clock))) return false;
    }
    return false;
  }

  private async lead(signal: AbortSignal): Promise<void> {
    const leading = new AbortController();
    this.leading = true;
    /** Why leading ended: "lost" (deadline or taken over) keeps the Lease; others release it. */
    let ended: "lost" | "cancelled" | "failed" | undefined;
    const stop = (why: "lost" | "cancelled" | "failed", message: string): void => {
      if (leading.signal.aborted) return;
      ended = why;
      this.leading = false;
      leading.abort(new Error(message));
    };
    // The deadline runs on its own timer: a renew request that hangs cannot keep us leading.
    const onDeadline = (): void => {
      this.log.warn(
        { lease: this.leaseName(), identity: this.options.identity },
        `failed to renew the lease within ${this.renewDeadlineMs} ms; stopping leading`,
      );
      stop("lost", "renew deadline passed");
    };
    let deadline = this.clock.setTimer(
      this.lastSuccessStart + this.renewDeadlineMs - this.clock.now(),
      onDeadline,
    );
    const onCancel = (): void => stop("cancelled", "elector stopped");
    signal.addEventListener("abort", onCancel, { once: true });
    if (signal.aborted) onCancel();
    this.log.info({ lease: this.leaseName(), identity: this.options.identity }, "leading");
    const work = this.startWork(leading.signal, () => stop("failed", "the leader's work failed"));
    try {
      while (!leading.signal.aborted) {
        if (!(await sleep(this.retryPeriodMs, leading.signal, this.clock))) break;
        const renewed = await this.tryAcquireOrRenew(leading.signal);
        if (leading.signal.aborted) break;
        if (renewed) {
          deadline.cancel();
          deadline = this.clock.setTimer(
            this.lastSuccessStart + this.renewDeadlineMs - this.clock.now(),
            onDeadline,
          );
        } else if (this.leader() !== this.options.identity && this.leader() !== "") {
          this.log.warn(
            { lease: this.leaseName(), holder: this.leader() },
            "the lease was taken over; stopping leading",
          );
          stop("lost", "lease taken over");
        }
      }
    } finally {
      deadline.cancel();
      signal.removeEventListener("abort", onCancel);
      stop("cancelled", "stopped");
    }
    // Let the leader's work wind down before anyone else may start: the Lease is released
    // only after it finished (or after renewDeadline, if it ignores its signal).
    const cap = new AbortController();
    await Promise.race([work, sleep(this.renewDeadlineMs, cap.signal, this.clock)]);
    cap.abort();
    // A lost Lease is never written again; a failed leader always makes way.
    if (ended === "failed" || (ended === "cancelled" && (this.options.releaseOnCancel ?? true)))
      await this.release();
    try {
      this.options.callbacks.onStoppedLeading?.();
    } catch (err) {
      this.log.error({ err }, "onStoppedLeading failed");
    }
  }

  /** Runs onStartedLeading; if it throws or rejects, it is logged and `onFailure` called. */
  private startWork(signal: AbortSignal, onFailure: () => void): Promise<void> {
    const failed = (err: unknown): void => {
      if (signal.aborted) return;
      this.log.error({ err }, "the leader's work failed; stepping down");
      onFailure();
    };
    try {
      const r = this.options.callbacks.onStartedLeading(signal);
      if (r instanceof Promise) return r.catch(failed);
    } catch (err) {
      failed(err);
    }
    return Promise.resolve();
  }

  /** One attempt: read (unless we lead), then take or renew with a conditional write. */
  private async tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const me = this.options.identity;
    const now = new Date();
    // Counted from before the request: others see the change no earlier than that.
    const start = this.clock.now();
    try {
      // The leader writes from its last observation and reads only after a conflict.
      let current = this.leading ? this.observed : undefined;
      if (current === undefined) {
        try {
          current = await this.leases.get(this.options.name, {
            namespace: this.namespace,
            signal,
          });
        } catch (err) {
          if (!(err instanceof ApiStatusError && err.isNotFound)) throw err;
          const created = await this.leases.create(
            Lease.fromPartial({
              metadata: { name: this.options.name, namespace: this.namespace },
              spec: this.spec({ acquireTime: now, renewTime: now, leaseTransitions: 0 }),
            }),
            { signal },
          );
          this.observe(created);
          this.lastSuccessStart = start;
          return true;
        }
        this.observe(current);
      }
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity ?? "";
      if (holder !== "" && holder !== me && !this.expired()) return false;
      const mine = holder === me;
      const next = Lease.fromPartial({
        ...current,
        spec: this.spec({
          acquireTime: mine ? (spec.acquireTime ?? now) : now,
          renewTime: now,
          leaseTransitions: mine ? (spec.leaseTransitions ?? 0) : (spec.leaseTransitions ?? 0) + 1,
        }),
      });
      this.observe(await this.leases.update(next, { signal }));
      this.lastSuccessStart = start;
      return true;
    } catch (err) {
      if (err instanceof ApiStatusError && (err.isConflict || err.isAlreadyExists)) {
        // Someone else wrote first: forget our view so the next attempt reads the Lease.
        this.log.debug({ lease: this.leaseName() }, "lost a race for the lease");
        if (this.leading) await this.refresh(signal);
        return false;
      }
      if (!signal.aborted)
        this.log.warn({ err, lease: this.leaseName() }, "lease attempt failed; will retry");
      return false;
    }
  }

  /** Re-reads the Lease after a conflict (so the leader can tell it was taken over). */
  private async refresh(signal: AbortSignal): Promise<void> {
    try {
      this.observe(await this.leases.get(this.options.name, { namespace: this.namespace, signal }));
    } catch (err) {
      if (!signal.aborted) this.log.warn({ err, lease: this.leaseName() }, "lease read failed");
    }
  }

  private spec(
    times: Pick<LeaseSpec, "acquireTime" | "renewTime" | "leaseTransitions">,
  ): LeaseSpec {
    return {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      ...times,
    };
  }

  /** Records the Lease; a new resourceVersion restarts its expiry on our monotonic clock. */
  private observe(lease: Lease): void {
    const version = lease.metadata?.resourceVersion ?? "";
    if (this.observed?.metadata?.resourceVersion !== version) this.observedAt = this.clock.now();
    this.observed = lease;
    const holder = lease.spec?.holderIdentity ?? "";
    if (holder !== "" && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      try {
        this.options.callbacks.onNewLeader?.(holder);
      } catch (err) {
        this.log.error({ err }, "onNewLeader failed");
      }
    }
  }

  private expired(): boolean {
    const seconds = this.observed?.spec?.leaseDurationSeconds ?? 0;
    const durationMs = seconds > 0 ? seconds * 1000 : this.leaseDurationMs;
    return this.clock.now() >= this.observedAt + durationMs;
  }

  /** Gives the Lease up: empty holder, so the next candidate need not wait for expiry. */
  private async release(): Promise<void> {
    const current = this.observed;
    if (current?.spec?.holderIdentity !== this.options.identity) return;
    const now = new Date();
    const timeout = new AbortController();
    const timer = this.clock.setTimer(this.renewDeadlineMs, () => timeout.abort());
    try {
      const released = await this.leases.update(
        Lease.fromPartial({
          ...current,
          spec: {
            ...current.spec,
            holderIdentity: "",
            leaseDurationSeconds: 1,
            renewTime: now,
          },
        }),
        { signal: timeout.signal },
      );
      this.observe(released);
      this.log.info({ lease: this.leaseName(), identity: this.options.identity }, "released");
    } catch (err) {
      this.log.warn({ err, lease: this.leaseName() }, "could not release the lease");
    } finally {
      timer.cancel();
    }
  }

  private leaseName(): string {
    return `${this.namespace}/${this.options.name}`;
  }
}
