// Runs the cluster's components as child processes on one machine, the way `k8ts up` needs:
// each child is spawned detached (Ctrl-C reaches only us, and we stop children in order),
// logs to its own file (a full pipe would block a synchronous logger), reports readiness
// as a JSON line on fd 3, exits when that pipe closes (Node has no parent-death signal),
// and is restarted with back-off if it crashes.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { ChildNotReadyError, waitForReadiness } from "@k8ts/sdk";

export interface ChildSpec {
  /** Short name: "apiserver". */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly logFile: string;
  /** How long to wait for the readiness line (default 30 s). */
  readonly readyTimeoutMs?: number;
}

export interface Readiness {
  readonly ready: true;
  readonly [key: string]: unknown;
}

export interface SupervisorEvents {
  /** A child became ready (again, after a restart). */
  onReady?(name: string, readiness: Readiness, restarts: number): void;
  /** A child exited unexpectedly and will be restarted after `delayMs`. */
  onCrash?(name: string, code: number | null, signal: string | null, delayMs: number): void;
}

export class ChildFailedError extends Error {
  constructor(
    readonly child: string,
    reason: string,
    readonly logTail: string,
  ) {
    super(`${child} ${reason}`);
    this.name = "ChildFailedError";
  }
}

interface Running {
  readonly spec: ChildSpec;
  process: ChildProcess | undefined;
  restarts: number;
  startedAt: number;
  restartTimer: NodeJS.Timeout | undefined;
}

const MAX_BACKOFF_MS = 30_000;
/** A child that ran this long before crashing starts its back-off from scratch. */
const STABLE_MS = 60_000;

export class Supervisor {
  private readonly children: Running[] = [];
  private stopping = false;

  constructor(private readonly events: SupervisorEvents = {}) {}

  /** Starts a child and resolves with its readiness line; rejects if it dies first. */
  async start(spec: ChildSpec): Promise<Readiness> {
    const running: Running = {
      spec,
      process: undefined,
      restarts: 0,
      startedAt: 0,
      restartTimer: undefined,
    };
    this.children.push(running);
    return this.launch(running);
  }

  private async launch(r: Running): Promise<Readiness> {
    const { spec } = r;
    await mkdir(dirname(spec.logFile), { recursive: true });
    const log = await open(spec.logFile, "a");
    const child = spawn(spec.command, [...spec.args], {
      detached: true,
      stdio: ["ignore", log.fd, log.fd, "pipe"],
      env: { ...process.env, ...spec.env },
    });
    await log.close();
    r.process = child;
    r.startedAt = Date.now();
    const pipe = child.stdio[3] as Readable | null;
    if (pipe === null) throw new ChildFailedError(spec.name, "has no readiness pipe", "");
    const readiness = await this.readyLine(spec, child, pipe);
    child.once("exit", (code, signal) => this.exited(r, child, code, signal));
    this.events.onReady?.(spec.name, readiness, r.restarts);
    return readiness;
  }

  private async readyLine(
    spec: ChildSpec,
    child: ChildProcess,
    pipe: Readable,
  ): Promise<Readiness> {
    try {
      const line = await waitForReadiness(child, pipe, spec.readyTimeoutMs ?? 30_000);
      return { ...line, ready: true };
    } catch (e) {
      if (!(e instanceof ChildNotReadyError)) throw e;
      child.kill("SIGKILL");
      throw new ChildFailedError(spec.name, e.reason, await tail(spec.logFile));
    }
  }

  private exited(
    r: Running,
    child: ChildProcess,
    code: number | null,
    signal: string | null,
  ): void {
    if (this.stopping || r.process !== child) return;
    r.process = undefined;
    if (Date.now() - r.startedAt > STABLE_MS) r.restarts = 0;
    this.scheduleRestart(r, code, signal);
  }

  private scheduleRestart(r: Running, code: number | null, signal: string | null): void {
    const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** r.restarts);
    r.restarts++;
    this.events.onCrash?.(r.spec.name, code, signal, delay);
    r.restartTimer = setTimeout(() => {
      r.restartTimer = undefined;
      if (this.stopping) return;
      // A restart that fails to become ready is one more crash: back off further.
      this.launch(r).catch((e: unknown) => {
        if (!this.stopping)
          this.scheduleRestart(r, null, e instanceof Error ? e.message : String(e));
      });
    }, delay);
  }

  /** Stops every child, last started first: SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopping = true;
    for (const r of [...this.children].reverse()) {
      clearTimeout(r.restartTimer);
      const child = r.process;
      r.process = undefined;
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) continue;
      await new Promise<void>((resolve) => {
        const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
        child.once("exit", () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill("SIGTERM");
      });
    }
  }

  /** Pids of running children (for status output and tests). */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries(this.children.map((r) => [r.spec.name, r.process?.pid]));
  }
}

async function tail(file: string, lines = 20): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}
