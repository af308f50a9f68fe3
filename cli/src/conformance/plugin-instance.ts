// A plugin process the suite starts itself (--plugin), the way every plugin must accept
// being started: `PLUGIN --node-name NODE --socket unix:///SOCK --state-dir DIR`. It is
// ready once it answers on its socket. It can be stopped (SIGTERM) and started again on
// the same socket and state dir, which is how adoption after a restart is checked.
// Plugins run detached (their own process group), so a Ctrl-C at the terminal reaches
// only the suite, which then cleans up through the plugin before stopping it.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import type { PluginCommand } from "./plugin-command.js";
import { formatSeconds } from "./runner.js";

/** The plugin exited or did not answer in time; `logTail` is the end of its log. */
export class PluginStartError extends Error {
  constructor(
    message: string,
    readonly logTail: string,
  ) {
    super(logTail === "" ? message : `${message}; last lines of its log:\n${logTail}`);
    this.name = "PluginStartError";
  }
}

/** The plugin did not exit after SIGTERM in time (it was then killed). */
export class PluginStopError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PluginStopError";
  }
}

export interface PluginInstanceOptions {
  readonly command: PluginCommand;
  readonly nodeName: string;
  /** How long it may take to answer after starting, and to exit after SIGTERM. */
  readonly timeoutMs: number;
  /** Resolves once the plugin answers on `endpoint` (one attempt; retried until ready). */
  probe(endpoint: string): Promise<void>;
}

const LOG_TAIL_LINES = 20;

export class PluginInstance {
  readonly socketPath: string;
  readonly endpoint: string;
  readonly stateDir: string;
  readonly logFile: string;
  private child: ChildProcess | undefined;
  /** Why the last spawn failed (e.g. ENOENT), if it did. */
  private spawnError: Error | undefined;
  private starts = 0;

  private constructor(
    private readonly options: PluginInstanceOptions,
    /** Its own directory (a short temp path: socket paths are limited to 107 bytes). */
    readonly dir: string,
  ) {
    this.socketPath = join(dir, "plugin.sock");
    this.endpoint = `unix://${this.socketPath}`;
    this.stateDir = join(dir, "state");
    this.logFile = join(dir, "plugin.log");
  }

  get nodeName(): string {
    return this.options.nodeName;
  }

  /**
   * Starts the plugin in a fresh directory and waits until it answers. Throws
   * PluginStartError (the directory is then removed).
   */
  static async start(options: PluginInstanceOptions): Promise<PluginInstance> {
    const instance = new PluginInstance(options, await mkdtemp(join(tmpdir(), "k8ts-conf-")));
    try {
      await mkdir(instance.stateDir);
      await instance.launch();
      return instance;
    } catch (e) {
      await rm(instance.dir, { recursive: true, force: true });
      throw e;
    }
  }

  get running(): boolean {
    return (
      this.child !== undefined &&
      this.spawnError === undefined &&
      this.child.exitCode === null &&
      this.child.signalCode === null
    );
  }

  /** SIGTERM, then wait for the exit; SIGKILL and PluginStopError if it takes too long. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const inTime = await Promise.race([
      exited.then(() => true),
      delay(this.options.timeoutMs, false, { ref: false }),
    ]);
    if (!inTime) {
      child.kill("SIGKILL");
      await exited;
      throw new PluginStopError(
        `the plugin (node ${this.nodeName}) did not exit within ${formatSeconds(this.options.timeoutMs)} of SIGTERM; killed`,
      );
    }
  }

  /** Stops the plugin and starts it again with the same socket and state dir. */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /** Stops the plugin (killing it if it must) and removes its directory. */
  async dispose(): Promise<void> {
    try {
      await this.stop();
    } finally {
      await rm(this.dir, { recursive: true, force: true });
    }
  }

  private async launch(): Promise<void> {
    this.starts++;
    const log = await open(this.logFile, "a");
    let child: ChildProcess;
    try {
      await log.write(`--- start ${this.starts} at ${new Date().toISOString()} ---\n`);
      child = spawn(
        this.options.command.file,
        [
          ...this.options.command.args,
          "--node-name",
          this.nodeName,
          "--socket",
          this.endpoint,
          "--state-dir",
          this.stateDir,
        ],
        { stdio: ["ignore", log.fd, log.fd], detached: true },
      );
    } finally {
      await log.close();
    }
    this.child = child;
    this.spawnError = undefined;
    child.once("error", (e) => {
      this.spawnError = e;
    });
    const deadline = Date.now() + this.options.timeoutMs;
    let lastError = "no answer yet";
    for (;;) {
      if (!this.running) {
        const failure = this.spawnFailure();
        throw new PluginStartError(
          failure === undefined
            ? `the plugin exited before answering (${exitText(child)})`
            : `the plugin could not be started: ${failure.message}`,
          await this.logTail(),
        );
      }
      try {
        await this.options.probe(this.endpoint);
        return;
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
      }
      if (Date.now() >= deadline) {
        child.kill("SIGKILL");
        throw new PluginStartError(
          `the plugin did not answer on ${this.endpoint} within ${formatSeconds(this.options.timeoutMs)} (last: ${lastError})`,
          await this.logTail(),
        );
      }
      await delay(100);
    }
  }

  // A method, not the field, so the compiler does not assume `launch` saw its last value.
  private spawnFailure(): Error | undefined {
    return this.spawnError;
  }

  private async logTail(): Promise<string> {
    const text = await readFile(this.logFile, "utf8").catch((e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") return "";
      throw e;
    });
    return text.trimEnd().split("\n").slice(-LOG_TAIL_LINES).join("\n");
  }
}

function exitText(child: ChildProcess): string {
  return child.signalCode !== null
    ? `signal ${child.signalCode}`
    : `exit code ${String(child.exitCode)}`;
}
