// A small runner for conformance suites (`k8ts conformance runtime`, later `network`):
// named checks run one after another, each with a deadline, a scope that undoes what the
// check created (even when it failed or timed out), and a result that says what was
// expected and what was seen. Checks that need something this run does not have (e.g. a
// plugin command to restart) are SKIPPED with the reason, never silently left out.
import { CheckFailure } from "./check-failure.js";

export type CheckStatus = "PASS" | "FAIL" | "SKIP";

export interface Check<C> {
  /** Unique, stable, matched by --focus: "area/what", e.g. "container/exit-codes". */
  readonly name: string;
  /** What the check verifies, one sentence (shown in JSON reports and docs). */
  readonly description: string;
  /** What the run must provide, e.g. ["plugin"]; see SuiteOptions.unavailable. */
  readonly requires?: readonly string[];
  run(context: C): Promise<void>;
}

/** What a check can do besides its own work: steps, cleanup, cancellation. */
export interface CheckScope {
  readonly checkName: string;
  /** Aborted when the check times out or the run is interrupted. */
  readonly signal: AbortSignal;
  /** Milliseconds left before the check times out. */
  remainingMs(): number;
  /** Registers an undo action; they run after the check, last registered first. */
  defer(what: string, undo: () => Promise<void>): void;
  /**
   * Runs one step of the check. Its name is reported if the check times out during it; an
   * error other than a CheckFailure becomes one ("STEP failed", seen: the error).
   */
  step<T>(what: string, action: () => Promise<T>): Promise<T>;
}

export interface FailureReport {
  readonly message: string;
  readonly expected?: string;
  readonly seen?: string;
}

export interface CheckResult {
  readonly name: string;
  readonly description: string;
  readonly status: CheckStatus;
  readonly durationMs: number;
  /** Why it was skipped (SKIP only). */
  readonly skipReason?: string;
  /** Why it failed (FAIL only). */
  readonly failure?: FailureReport;
  /** Undo actions that failed; any of them makes the check FAIL. */
  readonly cleanupFailures?: readonly string[];
}

export interface SuiteOptions<C> {
  readonly checks: readonly Check<C>[];
  /** Deadline of each check; its cleanup gets the same again. */
  readonly timeoutMs: number;
  /** Only checks whose name matches run; the others are not reported. */
  readonly focus?: RegExp;
  /** Aborting stops the current check (its cleanup still runs) and runs no further ones. */
  readonly signal?: AbortSignal;
  /** Why a requirement cannot be met in this run ("needs --plugin"), or undefined. */
  unavailable(requirement: string): string | undefined;
  /** The context a check runs with, made for its scope. */
  context(scope: CheckScope): C;
  /** Called as each check finishes (progress output). */
  onResult?(result: CheckResult): void;
  /**
   * Problems no check can report any more: an undo registered by a timed-out check after
   * its cleanup ran (its late call created something) is run at once; if it fails, here.
   */
  warn?(message: string): void;
}

export interface SuiteResults {
  readonly results: readonly CheckResult[];
  /** Checks not selected by focus. */
  readonly unfocused: number;
  /** The run was interrupted: some selected checks did not run. */
  readonly interrupted: boolean;
}

/** The check ran past its deadline. */
class CheckTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${formatSeconds(timeoutMs)}`);
    this.name = "CheckTimeout";
  }
}

/** The whole run was interrupted (Ctrl-C). */
export class RunInterrupted extends Error {
  constructor() {
    super("interrupted");
    this.name = "RunInterrupted";
  }
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function describeThrown(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

class Scope implements CheckScope {
  readonly signal: AbortSignal;
  private readonly undo: { what: string; action: () => Promise<void> }[] = [];
  private cleanedUp = false;
  private currentStep: string | undefined;
  private readonly deadline: number;

  constructor(
    readonly checkName: string,
    controller: AbortController,
    timeoutMs: number,
    private readonly warn: (message: string) => void,
  ) {
    this.signal = controller.signal;
    this.deadline = Date.now() + timeoutMs;
  }

  /** The step the check is at (reported when it times out). */
  get activeStep(): string | undefined {
    return this.currentStep;
  }

  remainingMs(): number {
    return Math.max(0, this.deadline - Date.now());
  }

  defer(what: string, action: () => Promise<void>): void {
    if (!this.cleanedUp) {
      this.undo.push({ what, action });
      return;
    }
    // A call of an abandoned (timed-out) check finished after the cleanup: undo it now.
    void action().catch((e: unknown) =>
      this.warn(`${this.checkName}: late cleanup failed: ${what}: ${describeThrown(e)}`),
    );
  }

  async step<T>(what: string, action: () => Promise<T>): Promise<T> {
    this.signal.throwIfAborted();
    this.currentStep = what;
    try {
      return await action();
    } catch (e) {
      if (e instanceof CheckFailure || this.signal.aborted) throw e;
      throw new CheckFailure(`${what} failed`, "success", describeThrown(e));
    }
  }

  /** Runs the undo actions, last first, each within `timeoutMs`; returns what failed. */
  async cleanUp(timeoutMs: number): Promise<string[]> {
    this.cleanedUp = true;
    const failures: string[] = [];
    for (const { what, action } of this.undo.reverse()) {
      try {
        await withDeadline(action(), timeoutMs, `cleanup: ${what}`);
      } catch (e) {
        failures.push(`${what}: ${describeThrown(e)}`);
      }
    }
    return failures;
  }
}

/** `promise`, or a rejection naming `what` once `timeoutMs` has passed. */
function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${formatSeconds(timeoutMs)}`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Why `signal` aborted, as an Error. */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(String(reason));
}

/** Rejects with the signal's reason once it aborts; `stop` removes the listener. */
function abortion(signal: AbortSignal): { promise: Promise<never>; stop: () => void } {
  let stop = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    const onAbort = (): void => reject(abortReason(signal));
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener("abort", onAbort, { once: true });
      stop = () => signal.removeEventListener("abort", onAbort);
    }
  });
  return { promise, stop };
}

async function runOne<C>(check: Check<C>, options: SuiteOptions<C>): Promise<CheckResult> {
  const started = Date.now();
  const base = { name: check.name, description: check.description };
  const missing = (check.requires ?? [])
    .map((r) => options.unavailable(r))
    .filter((r): r is string => r !== undefined);
  if (missing.length > 0)
    return { ...base, status: "SKIP", durationMs: 0, skipReason: missing.join("; ") };

  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new CheckTimeout(options.timeoutMs)),
    options.timeoutMs,
  );
  const onInterrupt = (): void => controller.abort(new RunInterrupted());
  options.signal?.addEventListener("abort", onInterrupt, { once: true });
  const scope = new Scope(check.name, controller, options.timeoutMs, (message) =>
    options.warn?.(message),
  );
  const aborted = abortion(controller.signal);
  let failure: FailureReport | undefined;
  let interrupted = false;
  try {
    // A check abandoned on timeout may still settle later: the race has subscribed to it,
    // so its late rejection is handled (and ignored: the check has already failed).
    await Promise.race([check.run(options.context(scope)), aborted.promise]);
  } catch (e) {
    if (e instanceof CheckTimeout) {
      const at = scope.activeStep;
      failure = {
        message: `did not finish within ${formatSeconds(e.timeoutMs)}${at === undefined ? "" : ` (during: ${at})`}`,
      };
    } else if (e instanceof RunInterrupted) {
      interrupted = true;
    } else if (e instanceof CheckFailure) {
      failure = {
        message: e.message,
        ...(e.expected === undefined ? {} : { expected: e.expected }),
        ...(e.seen === undefined ? {} : { seen: e.seen }),
      };
    } else {
      failure = { message: `unexpected error: ${describeThrown(e)}` };
    }
  } finally {
    clearTimeout(timer);
    aborted.stop();
    options.signal?.removeEventListener("abort", onInterrupt);
  }
  const cleanupFailures = await scope.cleanUp(options.timeoutMs);
  const durationMs = Date.now() - started;
  // Cut short by the user: says nothing about the implementation.
  if (interrupted)
    return {
      ...base,
      status: "SKIP",
      durationMs,
      skipReason: "interrupted",
      ...(cleanupFailures.length === 0 ? {} : { cleanupFailures }),
    };
  if (failure === undefined && cleanupFailures.length > 0)
    failure = { message: `cleanup failed: ${cleanupFailures.join("; ")}` };
  return {
    ...base,
    status: failure === undefined ? "PASS" : "FAIL",
    durationMs,
    ...(failure === undefined ? {} : { failure }),
    ...(cleanupFailures.length === 0 ? {} : { cleanupFailures }),
  };
}

/** Runs the selected checks in order; never throws for a failing check. */
export async function runChecks<C>(options: SuiteOptions<C>): Promise<SuiteResults> {
  const selected = options.checks.filter((c) => options.focus?.test(c.name) ?? true);
  const results: CheckResult[] = [];
  let interrupted = false;
  for (const check of selected) {
    if (options.signal?.aborted === true) {
      interrupted = true;
      break;
    }
    const result = await runOne(check, options);
    results.push(result);
    options.onResult?.(result);
  }
  return {
    results,
    unfocused: options.checks.length - selected.length,
    interrupted: interrupted || options.signal?.aborted === true,
  };
}
