// One simulated container: its record, its log and, while it runs, its script. Time is
// simulated from the record: the script resumes at the exact instant its sleep ends
// (wakeUs), and a stop that was ignored turns into a kill at killUs. Both are persisted,
// so a restarted plugin replays what was due while it was down, with the right times and
// exit codes. A container holds one timer only while something is due (none while it
// sleeps forever), so thousands of idle containers cost nothing.
import { ContainerLog } from "./container-log.js";
import { ShuttingDownError } from "./runtime-errors.js";
import type { ContainerRecord } from "./runtime-records.js";
import { initialShellState, runUntilBlocked } from "./shell-interpreter.js";
import { programFor, type ShellProgram } from "./shell-script.js";

/** Exit code after SIGTERM (128 + 15) and after SIGKILL (128 + 9). */
export const EXIT_TERMINATED = 143;
export const EXIT_KILLED = 137;

/** Steps replayed after a restart before the rest of a backlog is skipped. */
const MAX_CATCH_UP_STEPS = 10_000;
/** setTimeout's longest delay; longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ContainerHost {
  /** Current time, microseconds. */
  now(): number;
  /** The record changed: `urgent` for lifecycle changes, else script progress or output. */
  changed(urgent: boolean): void;
}

export class SimulatedContainer {
  readonly log: ContainerLog;
  private program: ShellProgram | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private readonly execs = new Set<AbortController>();
  private suspended = false;

  constructor(
    readonly record: ContainerRecord,
    log: ContainerLog,
    private readonly host: ContainerHost,
  ) {
    this.log = log;
    // The persisted partial output now lives in the log.
    delete record.pendingOutput;
  }

  get running(): boolean {
    return this.record.state === "RUNNING";
  }

  /** CREATED -> RUNNING: the script starts now. */
  start(): void {
    const now = this.host.now();
    const r = this.record;
    r.state = "RUNNING";
    r.startedUs = now;
    r.shell = initialShellState();
    r.wakeUs = now;
    this.host.changed(true);
    this.advance(now);
  }

  /** After a plugin restart: replays what fell due meanwhile, then waits as before. */
  resume(): void {
    if (this.running) this.advance(this.host.now());
  }

  /**
   * SIGTERM, then SIGKILL after `timeoutSeconds` if the script ignores it; resolves once
   * the container has exited. A container that is not running: nothing to do.
   */
  stop(timeoutSeconds: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    const now = this.host.now();
    const shell = this.record.shell;
    if (shell === undefined || !shell.ignoreTerm) {
      this.exit(EXIT_TERMINATED, now);
      return Promise.resolve();
    }
    if (timeoutSeconds <= 0) {
      this.exit(EXIT_KILLED, now);
      return Promise.resolve();
    }
    const killUs = now + Math.round(timeoutSeconds * 1e6);
    this.record.killUs = Math.min(this.record.killUs ?? Infinity, killUs);
    this.host.changed(true);
    this.arm(now);
    return new Promise((resolve, reject) => this.stopWaiters.push({ resolve, reject }));
  }

  /** SIGKILL now (the sandbox stops, or the container is removed while running). */
  kill(): void {
    if (this.running) this.exit(EXIT_KILLED, this.host.now());
  }

  /** An exec in this container; aborted (killed) when the container exits. */
  attachExec(): AbortController {
    const exec = new AbortController();
    this.execs.add(exec);
    exec.signal.addEventListener("abort", () => this.execs.delete(exec), { once: true });
    return exec;
  }

  /**
   * The plugin stops: timers stop and waiting calls fail with UNAVAILABLE; the record is
   * left as it is, so the container "keeps running" across the restart.
   */
  suspend(): void {
    this.suspended = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.rejectWaiters(new ShuttingDownError());
    for (const exec of this.execs) exec.abort(new ShuttingDownError());
  }

  /** The container is removed: its log ends for followers, its execs are killed. */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.log.close();
    for (const exec of this.execs) exec.abort();
  }

  private advance(now: number): void {
    const r = this.record;
    const program = (this.program ??= programFor(r.command, r.args));
    let steps = 0;
    let progressed = false;
    while (r.state === "RUNNING" && r.shell !== undefined) {
      const wake = r.wakeUs ?? Infinity;
      const kill = r.killUs ?? Infinity;
      if (kill <= now && kill <= wake) {
        this.exit(EXIT_KILLED, kill);
        return;
      }
      if (wake > now) break;
      if (++steps > MAX_CATCH_UP_STEPS && wake < now) {
        // Down for long with a busy script: skip the rest of the backlog.
        r.wakeUs = now;
        continue;
      }
      progressed = true;
      const at = wake;
      const step = runUntilBlocked(program, r.shell, (stream, text) =>
        this.log.write(stream, text, at),
      );
      switch (step.kind) {
        case "exit":
          this.exit(step.code, at);
          return;
        case "sleep":
          r.wakeUs = at + Math.max(1, Math.round(step.ms * 1000));
          break;
        case "forever":
          delete r.wakeUs;
          break;
        case "read-stdin":
          // Nothing attaches to a container's stdin: without it `cat` reads end-of-file,
          // with it `cat` waits forever.
          if (r.stdin) delete r.wakeUs;
          else r.wakeUs = at;
          break;
      }
    }
    if (progressed) this.host.changed(false);
    this.arm(now);
  }

  private arm(now: number): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.suspended || !this.running) return;
    const due = Math.min(this.record.wakeUs ?? Infinity, this.record.killUs ?? Infinity);
    if (due === Infinity) return;
    const ms = Math.min(MAX_TIMER_MS, Math.max(0, (due - now) / 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.advance(this.host.now());
    }, ms);
  }

  private exit(code: number, atUs: number): void {
    const r = this.record;
    r.state = "EXITED";
    r.exitCode = code;
    r.finishedUs = Math.max(atUs, r.startedUs);
    r.reason = code === 0 ? "Completed" : "Error";
    delete r.shell;
    delete r.wakeUs;
    delete r.killUs;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.log.end(r.finishedUs);
    for (const exec of this.execs) exec.abort();
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const w of waiters) w.resolve();
    this.host.changed(true);
  }

  private rejectWaiters(err: Error): void {
    const waiters = this.stopWaiters;
    this.stopWaiters = [];
    for (const w of waiters) w.reject(err);
  }
}
