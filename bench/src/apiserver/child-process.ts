// A Node child process of the benchmark, started the way `k8ts up` and ApiServerProcess
// start the apiserver: detached (Ctrl-C reaches only the benchmark, which stops its
// children in order), output to a log file, and a pipe on fd 3 that carries JSON lines
// both ways: the first line with `ready: true` reports readiness (and the bound address),
// and its EOF tells the child that the benchmark is gone. Unlike ApiServerProcess, this
// takes Node flags (`--cpu-prof`), which NODE_OPTIONS does not allow.
import { spawn, type ChildProcess } from "node:child_process";
import { open, readFile } from "node:fs/promises";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";

export interface ChildOptions {
  /** For messages: "apiserver", "watcher-2", ... */
  readonly name: string;
  readonly script: string;
  readonly args?: readonly string[];
  readonly nodeFlags?: readonly string[];
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  /** How long to wait for the ready line (default 20 s). */
  readonly readyTimeoutMs?: number;
}

export type Message = Record<string, unknown>;

/** Every child still running: killed on the way out, whatever happened. */
const running = new Set<BenchChild>();

/** SIGKILL to every child still running (also from a signal handler: synchronous). */
export function killAllChildren(): void {
  for (const c of running) c.kill();
}

export class BenchChild {
  private readonly messages: Message[] = [];
  private waiter: (() => void) | undefined;
  private exited = false;
  /** The child's ready message, e.g. {"ready":true,"addresses":["127.0.0.1:40123"]}. */
  readyInfo: Message = {};
  readonly exit: Promise<number | null>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    private readonly pipe: Readable & Writable,
    readonly logFile: string,
  ) {
    this.exit = new Promise((resolve) => {
      child.once("exit", (code) => {
        this.exited = true;
        running.delete(this);
        this.waiter?.();
        resolve(code);
      });
    });
    createInterface({ input: pipe }).on("line", (line) => {
      if (line.trim() === "") return;
      this.messages.push(JSON.parse(line) as Message);
      this.waiter?.();
    });
    // The pipe fails with EPIPE if the child dies first; exit handling covers that.
    pipe.on("error", () => undefined);
  }

  static async start(options: ChildOptions): Promise<BenchChild> {
    const log = await open(options.logFile, "a");
    const child = spawn(
      process.execPath,
      [...(options.nodeFlags ?? []), options.script, ...(options.args ?? [])],
      {
        stdio: ["ignore", log.fd, log.fd, "pipe"],
        detached: true,
        env: options.env ?? process.env,
      },
    );
    await log.close();
    const pipe = child.stdio[3] as (Readable & Writable) | null;
    if (pipe === null) {
      child.kill("SIGKILL");
      throw new Error(`${options.name}: no pipe on fd 3`);
    }
    const c = new BenchChild(options.name, child, pipe, options.logFile);
    running.add(c);
    try {
      c.readyInfo = await c.next((m) => m.ready === true, options.readyTimeoutMs ?? 20_000);
    } catch (e) {
      c.kill();
      throw e;
    }
    return c;
  }

  /** The first message (kept or to come) that satisfies `accept`, removed from the queue. */
  async next(accept: (m: Message) => boolean, timeoutMs: number): Promise<Message> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const i = this.messages.findIndex(accept);
      if (i >= 0) return this.messages.splice(i, 1)[0] ?? {};
      const left = deadline - performance.now();
      if (this.exited || left <= 0) {
        const logs = await readFile(this.logFile, "utf8").catch(() => "");
        throw new Error(
          `${this.name}: ${this.exited ? `exited (code ${this.child.exitCode}, signal ${this.child.signalCode})` : `no answer within ${timeoutMs} ms`}` +
            `\n--- ${this.logFile} (end) ---\n${logs.slice(-3000)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiter = done;
      });
      this.waiter = undefined;
    }
  }

  send(message: Message): void {
    if (!this.exited) this.pipe.write(`${JSON.stringify(message)}\n`);
  }

  /** SIGTERM, then SIGKILL if it has not exited within `timeoutMs`; the exit code. */
  async stop(timeoutMs = 5_000): Promise<number | null> {
    if (this.exited) return this.child.exitCode;
    this.child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      this.exit,
      new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (code !== "timeout") return code;
    this.kill();
    return this.exit;
  }

  kill(): void {
    if (!this.exited) this.child.kill("SIGKILL");
    this.pipe.destroy();
  }
}
