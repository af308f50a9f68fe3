// A real component process for tests and benchmarks (scheduler, controller-manager, ...):
// started as `k8ts up` starts it (detached from the caller's stdio, logs to a file,
// readiness with its identity and status address reported on fd 3), stopped with SIGTERM
// or killed with SIGKILL, inspected through its /statusz endpoint.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { ChildNotReadyError, waitForReadiness } from "./child-readiness.js";
import type { ComponentStatus } from "./status-server.js";

export interface ComponentProcessOptions {
  /** Path of the component's main.js. */
  readonly main: string;
  /** Its name in log file names and errors ("scheduler"). */
  readonly name: string;
  /** Its flags (--ready-fd 3 and --status-listen 127.0.0.1:0 are added). */
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Flags for node itself, e.g. ["--cpu-prof", "--cpu-prof-dir=out"] (benchmarks). */
  readonly nodeArgs?: readonly string[];
  /** Where the log file goes (default: a fresh temp dir, removed by dispose()). */
  readonly logDir?: string;
  /** How long to wait for readiness (default 20 s). */
  readonly readyTimeoutMs?: number;
}

// Preloaded as `k8ts up` does: traces when OTEL_EXPORTER_OTLP_ENDPOINT is set, else nothing.
const TELEMETRY = new URL("../telemetry/register.js", import.meta.url).pathname;

export class ComponentProcess<S extends ComponentStatus = ComponentStatus> {
  private constructor(
    readonly child: ChildProcess,
    readonly name: string,
    /** The identity it campaigns for its Lease with. */
    readonly identity: string,
    /** host:port of its status endpoint (/healthz, /statusz). */
    readonly statusAddress: string,
    readonly logFile: string,
    private readonly ownedDir: string | undefined,
  ) {}

  static async start<S extends ComponentStatus = ComponentStatus>(
    options: ComponentProcessOptions,
  ): Promise<ComponentProcess<S>> {
    const ownedDir =
      options.logDir === undefined
        ? await mkdtemp(join(tmpdir(), `k8ts-${options.name}-`))
        : undefined;
    const dir = options.logDir ?? ownedDir ?? tmpdir();
    const logFile = join(
      dir,
      `${options.name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.log`,
    );
    const log = await open(logFile, "a");
    const child = spawn(
      process.execPath,
      [
        ...(options.nodeArgs ?? []),
        "--import",
        TELEMETRY,
        options.main,
        "--ready-fd",
        "3",
        "--status-listen",
        "127.0.0.1:0",
        ...options.args,
      ],
      { stdio: ["ignore", log.fd, log.fd, "pipe"], env: { ...process.env, ...options.env } },
    );
    await log.close();
    const pipe = child.stdio[3] as Readable | null;
    try {
      if (pipe === null) throw new Error("no readiness pipe");
      const ready = await readiness(options.name, child, pipe, options.readyTimeoutMs, logFile);
      return new ComponentProcess<S>(
        child,
        options.name,
        ready.identity,
        ready.statusAddress,
        logFile,
        ownedDir,
      );
    } catch (e) {
      child.kill("SIGKILL");
      if (ownedDir !== undefined) await rm(ownedDir, { recursive: true, force: true });
      throw e;
    }
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM and wait for a clean exit; resolves with the exit code. */
  stop(): Promise<number | null> {
    return this.signal("SIGTERM");
  }

  /** SIGKILL: no chance to release its Lease. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }

  private signal(sig: NodeJS.Signals): Promise<number | null> {
    if (!this.running) return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => {
      this.child.once("exit", (code) => resolve(code));
      this.child.kill(sig);
    });
  }

  /** What the component sees now (GET /statusz). */
  async status(): Promise<S> {
    const res = await fetch(`http://${this.statusAddress}/statusz`);
    if (!res.ok) throw new Error(`GET /statusz: ${res.status}`);
    return (await res.json()) as S;
  }

  /** Polls /statusz until `done` holds; fails after `timeoutMs` with the last status. */
  async waitForStatus(done: (status: S) => boolean, what: string, timeoutMs = 15_000): Promise<S> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const last = await this.status();
      if (done(last)) return last;
      if (Date.now() > deadline)
        throw new Error(
          `${this.name}: ${what} not reached within ${timeoutMs} ms; last status ${JSON.stringify(last)}`,
        );
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async logs(): Promise<string> {
    return readFile(this.logFile, "utf8");
  }

  /** Kills the process (if running) and removes a log dir it created. */
  async dispose(): Promise<void> {
    await this.kill();
    if (this.ownedDir !== undefined) await rm(this.ownedDir, { recursive: true, force: true });
  }
}

async function readiness(
  name: string,
  child: ChildProcess,
  pipe: Readable,
  timeoutMs: number | undefined,
  logFile: string,
): Promise<{ identity: string; statusAddress: string }> {
  let line: Record<string, unknown>;
  try {
    line = await waitForReadiness(child, pipe, timeoutMs ?? 20_000);
  } catch (e) {
    if (!(e instanceof ChildNotReadyError)) throw e;
    const logs = await readFile(logFile, "utf8").catch(() => "");
    throw new Error(`${name} did not become ready: ${e.reason}\n--- log ---\n${logs.slice(-4000)}`);
  }
  if (typeof line.identity !== "string" || typeof line.statusAddress !== "string")
    throw new Error(
      `${name}: readiness line without identity or status address: ${JSON.stringify(line)}`,
    );
  return { identity: line.identity, statusAddress: line.statusAddress };
}
