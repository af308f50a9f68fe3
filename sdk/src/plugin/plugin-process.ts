// A plugin executable started the way every plugin must accept (`--node-name`, `--socket`,
// `--state-dir`), detached, logging to a file, and ready when it answers on its socket —
// the only readiness signal a plugin written in any language gives. For tests,
// benchmarks and supervisors that run plugins (the kubelet never starts them itself).
import { spawn, type ChildProcess } from "node:child_process";
import { open, readFile } from "node:fs/promises";
import { socketAnswers } from "./plugin-socket.js";

export interface PluginProcessOptions {
  /** Executable and leading arguments, e.g. [process.execPath, ".../main.js"]. */
  readonly command: readonly string[];
  readonly nodeName: string;
  /** Socket path (not the unix:// endpoint). */
  readonly socket: string;
  readonly stateDir: string;
  readonly logFile: string;
  /** Plugin-specific flags. */
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** How long to wait for the socket to answer (default 20 s). */
  readonly readyTimeoutMs?: number;
}

export class PluginProcess {
  private constructor(
    readonly child: ChildProcess,
    readonly options: PluginProcessOptions,
  ) {}

  /** The endpoint to dial: unix:///PATH. */
  get endpoint(): string {
    return `unix://${this.options.socket}`;
  }

  static async start(options: PluginProcessOptions): Promise<PluginProcess> {
    const [command, ...leading] = options.command;
    if (command === undefined) throw new Error("PluginProcess: empty command");
    const log = await open(options.logFile, "a");
    const child = spawn(
      command,
      [
        ...leading,
        "--node-name",
        options.nodeName,
        "--socket",
        `unix://${options.socket}`,
        "--state-dir",
        options.stateDir,
        ...(options.args ?? []),
      ],
      { stdio: ["ignore", log.fd, log.fd], env: { ...process.env, ...options.env } },
    );
    await log.close();
    const p = new PluginProcess(child, options);
    const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
    while (!(await socketAnswers(options.socket, 500))) {
      if (!p.running || Date.now() > deadline) {
        child.kill("SIGKILL");
        const logs = await readFile(options.logFile, "utf8").catch(() => "");
        throw new Error(
          `plugin ${options.command.join(" ")} ${p.running ? "did not answer on" : "exited before serving on"} ${options.socket}\n--- log ---\n${logs.slice(-4000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return p;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM and wait for the exit. */
  stop(): Promise<void> {
    return this.signal("SIGTERM");
  }

  /** SIGKILL and wait for the exit. */
  kill(): Promise<void> {
    return this.signal("SIGKILL");
  }

  private signal(sig: NodeJS.Signals): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once("exit", () => resolve());
      this.child.kill(sig);
    });
  }

  async logs(): Promise<string> {
    return readFile(this.options.logFile, "utf8");
  }
}
