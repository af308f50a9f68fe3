// A command exec'd "inside" a simulated container (ExecSync, Exec): the same interpreter
// as the container's own script, run live (real timers, real stdin), not persisted. An
// abort is SIGKILL: the container exited, the exec timed out, or the caller went away.
import { setTimeout as delay } from "node:timers/promises";
import { initialShellState, runUntilBlocked } from "./shell-interpreter.js";
import type { ShellProgram } from "./shell-script.js";

export interface ExecIO {
  stdout(data: Buffer): void;
  stderr(data: Buffer): void;
  readonly stdin: StdinQueue;
}

/** Exit code of a killed exec (128 + SIGKILL). */
export const KILLED = 137;

/** Runs `program` until it exits (its code) or `signal` aborts it (137). */
export async function runExec(
  program: ShellProgram,
  io: ExecIO,
  signal: AbortSignal,
): Promise<number> {
  const state = initialShellState();
  const write = (target: "stdout" | "stderr", data: Buffer): void =>
    target === "stdout" ? io.stdout(data) : io.stderr(data);
  for (;;) {
    if (signal.aborted) return KILLED;
    const step = runUntilBlocked(program, state, (stream, text) =>
      write(stream, Buffer.from(text)),
    );
    switch (step.kind) {
      case "exit":
        return step.code;
      case "sleep":
        if (!(await sleepUnlessAborted(step.ms, signal))) return KILLED;
        break;
      case "forever":
        await sleepUnlessAborted(Infinity, signal);
        return KILLED;
      case "read-stdin":
        for (;;) {
          const chunk = await io.stdin.read(signal);
          if (chunk === undefined) break;
          if (step.target !== "null") write(step.target, chunk);
        }
        break;
    }
  }
}

/** False when aborted first. */
async function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (ms === Infinity)
    return new Promise((resolve) =>
      signal.addEventListener("abort", () => resolve(false), { once: true }),
    );
  try {
    await delay(Math.min(ms, 2 ** 31 - 1), undefined, { signal });
    return true;
  } catch (e) {
    if (signal.aborted) return false;
    throw e;
  }
}

/** The stdin of an exec: chunks the caller sent, then end-of-file. */
export class StdinQueue {
  private readonly chunks: Buffer[] = [];
  private ended = false;
  private wake: (() => void) | undefined;

  /** `onRead` runs after each chunk is taken (the caller may read its stream again). */
  constructor(private readonly onRead?: () => void) {}

  /** A queue already at end-of-file (the exec has no stdin). */
  static closed(): StdinQueue {
    const q = new StdinQueue();
    q.end();
    return q;
  }

  push(chunk: Buffer): void {
    if (this.ended) return;
    this.chunks.push(chunk);
    this.wakeReader();
  }

  end(): void {
    this.ended = true;
    this.wakeReader();
  }

  /** Chunks waiting to be read (the caller stops reading its stream above a limit). */
  get buffered(): number {
    return this.chunks.length;
  }

  /** The next chunk; undefined at end-of-file or on abort. */
  async read(signal: AbortSignal): Promise<Buffer | undefined> {
    for (;;) {
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        this.onRead?.();
        return chunk;
      }
      if (this.ended || signal.aborted) return undefined;
      await new Promise<void>((resolve) => {
        const onAbort = (): void => resolve();
        signal.addEventListener("abort", onAbort, { once: true });
        this.wake = () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  private wakeReader(): void {
    this.wake?.();
  }
}
