// The two streaming calls of runtime/v1 as promises the checks can await: a container's
// log (read to its end, or followed entry by entry) and a streamed Exec. Every stream is
// cancelled when the check's signal aborts, so a timed-out check leaves none open.
import type { RuntimeClient } from "@k8ts/sdk";
import { abortReason } from "../runner.js";
import type {
  ContainerLogsRequest,
  ContainerLogsResponse,
  ExecResponse,
  ExecStart,
  LogEntry,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";

/** Reads a log stream to its end; with follow it ends when the runtime ends it. */
export function readLogs(
  client: RuntimeClient,
  request: ContainerLogsRequest,
  signal: AbortSignal,
  onEntry?: (entry: LogEntry) => void,
): Promise<LogEntry[]> {
  return new Promise<LogEntry[]>((resolve, reject) => {
    const entries: LogEntry[] = [];
    const call = client.containerLogs(request);
    const cancel = (): void => call.cancel();
    signal.addEventListener("abort", cancel, { once: true });
    const settle = (): void => signal.removeEventListener("abort", cancel);
    call.on("data", (response: ContainerLogsResponse) => {
      for (const entry of response.entries) {
        entries.push(entry);
        onEntry?.(entry);
      }
    });
    call.on("error", (e: Error) => {
      settle();
      reject(signal.aborted ? abortReason(signal) : e);
    });
    call.on("end", () => {
      settle();
      resolve(entries);
    });
  });
}

export interface ExecOutcome {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  /** Undefined when the stream ended without an exit message. */
  readonly exitCode: number | undefined;
  /** Messages received after the exit message (there must be none). */
  readonly afterExit: number;
}

/** Runs a streamed Exec: start, then each stdin chunk, then close_stdin if asked. */
export function runExec(
  client: RuntimeClient,
  start: ExecStart,
  stdin: readonly Buffer[],
  closeStdin: boolean,
  signal: AbortSignal,
): Promise<ExecOutcome> {
  return new Promise<ExecOutcome>((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let exitCode: number | undefined;
    let afterExit = 0;
    const call = client.exec();
    const cancel = (): void => call.cancel();
    signal.addEventListener("abort", cancel, { once: true });
    const settle = (): void => signal.removeEventListener("abort", cancel);
    call.on("data", (message: ExecResponse) => {
      const r = message.response;
      if (exitCode !== undefined) afterExit++;
      else if (r?.$case === "stdout") stdout.push(r.value);
      else if (r?.$case === "stderr") stderr.push(r.value);
      else if (r?.$case === "exit") {
        exitCode = r.value.exitCode;
        // Nothing more to send: half-close our side (the server already ends its own).
        call.end();
      }
    });
    call.on("error", (e: Error) => {
      settle();
      reject(signal.aborted ? abortReason(signal) : e);
    });
    call.on("end", () => {
      settle();
      resolve({
        stdout: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr),
        exitCode,
        afterExit,
      });
    });
    call.write({ request: { $case: "start", value: start } });
    for (const chunk of stdin) call.write({ request: { $case: "stdin", value: chunk } });
    if (closeStdin) call.write({ request: { $case: "closeStdin", value: true } });
  });
}
