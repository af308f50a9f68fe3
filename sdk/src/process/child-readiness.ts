// The supervisor's side of the parent pipe (see parent-pipe.ts): wait for a child's one
// JSON readiness line on its fd-3 pipe, or fail when it exits first or takes too long.
// Used by `k8ts up` and by the test helpers that start real component processes.
import type { ChildProcess } from "node:child_process";
import type { Readable } from "node:stream";

/** The child did not report readiness; `reason` says why (exited, timed out, bad line). */
export class ChildNotReadyError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "ChildNotReadyError";
  }
}

/** Resolves with the parsed readiness line; rejects with ChildNotReadyError. */
export function waitForReadiness(
  child: ChildProcess,
  pipe: Readable,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const fail = (reason: string): void => {
      cleanup();
      reject(new ChildNotReadyError(reason));
    };
    const timer = setTimeout(
      () => fail(`did not become ready within ${timeoutMs / 1000} s`),
      timeoutMs,
    );
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString("utf8");
      const nl = buffered.indexOf("\n");
      if (nl < 0) return;
      cleanup();
      let line: unknown;
      try {
        line = JSON.parse(buffered.slice(0, nl));
      } catch {
        reject(
          new ChildNotReadyError(`reported readiness that is not JSON: ${buffered.slice(0, nl)}`),
        );
        return;
      }
      if (typeof line === "object" && line !== null && !Array.isArray(line))
        resolve(line as Record<string, unknown>);
      else
        reject(
          new ChildNotReadyError(
            `reported readiness that is not a JSON object: ${buffered.slice(0, nl)}`,
          ),
        );
    };
    const onExit = (code: number | null, signal: string | null): void =>
      fail(
        `exited while starting (${signal === null ? `code ${String(code)}` : `signal ${signal}`})`,
      );
    const cleanup = (): void => {
      clearTimeout(timer);
      pipe.off("data", onData);
      child.off("exit", onExit);
    };
    pipe.on("data", onData);
    child.on("exit", onExit);
  });
}
