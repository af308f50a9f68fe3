// A real scheduler process for tests: started like `k8ts up` starts it (detached from the
// test's stdio, logs to a file, readiness and its leader-election identity reported on fd
// 3), stopped with SIGTERM or killed with SIGKILL.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Readable } from "node:stream";
import { ChildNotReadyError, waitForReadiness } from "@k8ts/sdk";
import type { SchedulerStatus } from "../status-server.js";

const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));
// Preloaded as `k8ts up` does: traces when OTEL_EXPORTER_OTLP_ENDPOINT is set, else nothing.
const TELEMETRY = import.meta.resolve("@k8ts/sdk/telemetry/register");

/** Flags that make a test cluster react in milliseconds instead of seconds. */
export const FAST_SCHEDULER_ARGS: readonly string[] = [
  "--pod-initial-backoff",
  "50ms",
  "--pod-max-backoff",
  "500ms",
  "--lease-duration",
  "2s",
  "--renew-deadline",
  "1500ms",
  "--retry-period",
  "250ms",
];

export interface SchedulerProcessOptions {
  /** host:port of the apiserver. */
  readonly server: string;
  /** Extra flags (after FAST_SCHEDULER_ARGS unless `fast` is false). */
  readonly args?: readonly string[];
  /** Prepend FAST_SCHEDULER_ARGS (default true). */
  readonly fast?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Flags for node itself, e.g. ["--cpu-prof", "--cpu-prof-dir=out"] (benchmarks). */
  readonly nodeArgs?: readonly string[];
  /** Where the log file goes (default: a fresh temp dir, removed by dispose()). */
  readonly logDir?: string;
  /** How long to wait for readiness (default 20 s). */
  readonly readyTimeoutMs?: number;
}

export class SchedulerProcess {
  private constructor(
    readonly child: ChildProcess,
    /** The identity it campaigns for the Lease with (kube-system/k8ts-scheduler). */
    readonly identity: string,
    /** host:port of its status endpoint (/healthz, /statusz). */
    readonly statusAddress: string,
    readonly logFile: string,
    private readonly ownedDir: string | undefined,
  ) {}

  static async start(options: SchedulerProcessOptions): Promise<SchedulerProcess> {
    const ownedDir =
      options.logDir === undefined ? await mkdtemp(join(tmpdir(), "k8ts-scheduler-")) : undefined;
    const dir = options.logDir ?? ownedDir ?? tmpdir();
    const logFile = join(
      dir,
      `scheduler-${Date.now()}-${Math.random().toString(36).slice(2, 8)}.log`,
    );
    const log = await open(logFile, "a");
    const child = spawn(
      process.execPath,
      [
        ...(options.nodeArgs ?? []),
        "--import",
        TELEMETRY,
        MAIN,
        "--server",
        options.server,
        "--ready-fd",
        "3",
        "--status-listen",
        "127.0.0.1:0",
        ...(options.fast === false ? [] : FAST_SCHEDULER_ARGS),
        ...(options.args ?? []),
      ],
      { stdio: ["ignore", log.fd, log.fd, "pipe"], env: { ...process.env, ...options.env } },
    );
    await log.close();
    const pipe = child.stdio[3] as Readable | null;
    if (pipe === null) throw new Error("no readiness pipe");
    try {
      const ready = await readiness(child, pipe, options.readyTimeoutMs ?? 20_000, logFile);
      return new SchedulerProcess(child, ready.identity, ready.statusAddress, logFile, ownedDir);
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

  /** SIGKILL: no chance to release the Lease. */
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

  /** What the scheduler sees now (GET /statusz). */
  async status(): Promise<SchedulerStatus> {
    const res = await fetch(`http://${this.statusAddress}/statusz`);
    if (!res.ok) throw new Error(`GET /statusz: ${res.status}`);
    return (await res.json()) as SchedulerStatus;
  }

  /**
   * Waits until the scheduler's cache holds exactly `nodes` and its queue is empty (it has
   * caught up with the nodes a test created and the pods it deleted).
   */
  async waitForIdle(nodes: readonly string[], timeoutMs = 15_000): Promise<void> {
    const want = JSON.stringify([...nodes].sort());
    const deadline = Date.now() + timeoutMs;
    let last: SchedulerStatus | undefined;
    for (;;) {
      last = await this.status();
      const q = last.queue;
      const empty = q.active + q.backoff + q.unschedulable + q.inFlight === 0;
      if (JSON.stringify(last.nodes) === want && empty) return;
      if (Date.now() > deadline)
        throw new Error(
          `scheduler did not catch up within ${timeoutMs} ms: want nodes ${want}, last status ${JSON.stringify(last)}`,
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
  child: ChildProcess,
  pipe: Readable,
  timeoutMs: number,
  logFile: string,
): Promise<{ identity: string; statusAddress: string }> {
  let line: Record<string, unknown>;
  try {
    line = await waitForReadiness(child, pipe, timeoutMs);
  } catch (e) {
    if (!(e instanceof ChildNotReadyError)) throw e;
    const logs = await readFile(logFile, "utf8").catch(() => "");
    throw new Error(
      `scheduler did not become ready: ${e.reason}\n--- log ---\n${logs.slice(-4000)}`,
    );
  }
  if (typeof line.identity !== "string" || typeof line.statusAddress !== "string")
    throw new Error(`readiness line without identity or status address: ${JSON.stringify(line)}`);
  return { identity: line.identity, statusAddress: line.statusAddress };
}
