// A real apiserver process for tests: started like `k8ts up` starts it (detached, logs to
// a file, readiness and its bound address reported on fd 3), stopped with SIGTERM or
// killed with SIGKILL, restartable on the same data dir.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ChildNotReadyError, waitForReadiness } from "@k8ts/sdk";
import type { Readable } from "node:stream";

const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));
// Preloaded as `k8ts up` does: traces when OTEL_EXPORTER_OTLP_ENDPOINT is set, else nothing.
const TELEMETRY = import.meta.resolve("@k8ts/sdk/telemetry/register");

export interface ApiServerProcessOptions {
  /** Reuse a data dir (restart); a fresh temp dir otherwise. */
  readonly dataDir?: string;
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Serve requests without a token (default true, as `k8ts up` does). */
  readonly anonymous?: boolean;
  /** How long to wait for readiness (default 20 s). */
  readonly readyTimeoutMs?: number;
}

export class ApiServerProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly address: string,
    readonly dataDir: string,
    readonly logFile: string,
    private readonly ownsDir: boolean,
  ) {}

  static async start(options: ApiServerProcessOptions = {}): Promise<ApiServerProcess> {
    const ownsDir = options.dataDir === undefined;
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "k8ts-apiserver-")));
    const logFile = join(dataDir, `apiserver-${Date.now()}.log`);
    const log = await open(logFile, "a");
    const child = spawn(
      process.execPath,
      [
        "--import",
        TELEMETRY,
        MAIN,
        "--data-dir",
        join(dataDir, "store"),
        "--listen",
        "127.0.0.1:0",
        "--ready-fd",
        "3",
        ...(options.anonymous === false ? [] : ["--allow-anonymous"]),
        ...(options.args ?? []),
      ],
      { stdio: ["ignore", log.fd, log.fd, "pipe"], env: { ...process.env, ...options.env } },
    );
    await log.close();
    const pipe = child.stdio[3] as Readable | null;
    if (pipe === null) throw new Error("no readiness pipe");
    try {
      const address = await readyAddress(child, pipe, options.readyTimeoutMs ?? 20_000, logFile);
      return new ApiServerProcess(child, address, dataDir, logFile, ownsDir);
    } catch (e) {
      child.kill("SIGKILL");
      throw e;
    }
  }

  /** Restarts on the same data dir (after stop() or kill()). */
  restart(options: Omit<ApiServerProcessOptions, "dataDir"> = {}): Promise<ApiServerProcess> {
    return ApiServerProcess.start({ ...options, dataDir: this.dataDir });
  }

  /** SIGTERM and wait for a clean exit; resolves with the exit code. */
  async stop(): Promise<number | null> {
    return this.signal("SIGTERM");
  }

  /** SIGKILL: no chance to flush or clean up. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }

  private signal(sig: NodeJS.Signals): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null)
      return Promise.resolve(this.child.exitCode);
    return new Promise((resolve) => {
      this.child.once("exit", (code) => resolve(code));
      this.child.kill(sig);
    });
  }

  async logs(): Promise<string> {
    return readFile(this.logFile, "utf8");
  }

  /** Stops the process (if running) and removes a data dir it created. */
  async dispose(): Promise<void> {
    await this.kill();
    if (this.ownsDir) await rm(this.dataDir, { recursive: true, force: true });
  }
}

async function readyAddress(
  child: ChildProcess,
  pipe: Readable,
  timeoutMs: number,
  logFile: string,
): Promise<string> {
  let line: Record<string, unknown>;
  try {
    line = await waitForReadiness(child, pipe, timeoutMs);
  } catch (e) {
    if (!(e instanceof ChildNotReadyError)) throw e;
    const logs = await readFile(logFile, "utf8").catch(() => "");
    throw new Error(
      `apiserver did not become ready: ${e.reason}\n--- log ---\n${logs.slice(-4000)}`,
    );
  }
  const address: unknown = Array.isArray(line.addresses)
    ? (line.addresses as unknown[])[0]
    : undefined;
  if (typeof address !== "string")
    throw new Error(`readiness line without an address: ${JSON.stringify(line)}`);
  return address;
}
