// The client side of one Pods.Exec stream: start, then standard input (with -i; EOF
// becomes close_stdin) at the server's pace, terminal size and its changes (with -t, the
// local terminal in raw mode meanwhile), and the command's output to stdout and stderr
// until it exits.
import type { ServiceError } from "@grpc/grpc-js";
import type {
  PodExecRequest,
  PodExecResponse,
} from "@k8ts/sdk/gen/k8ts/api/v1/pod_subresources.js";
import type { Readable } from "node:stream";
import type { CliIo, Terminal } from "../io.js";
import type { PodStreams } from "./pod-streams.js";

export interface ExecTarget {
  readonly namespace: string;
  readonly name: string;
  readonly container: string;
  readonly command: readonly string[];
  /** Forward standard input. */
  readonly stdin: boolean;
  /** Run in a terminal: this one (raw mode, its size). */
  readonly terminal: Terminal | undefined;
}

export type ExecOutcome =
  | { readonly kind: "exit"; readonly code: number }
  | { readonly kind: "error"; readonly message: string }
  | { readonly kind: "interrupted" };

/** Runs the command; rejects with the lines to print when the call itself fails. */
export function runExec(
  streams: PodStreams,
  target: ExecTarget,
  io: CliIo,
  signal: AbortSignal,
): Promise<ExecOutcome> {
  return new Promise((resolve, reject) => {
    const call = streams.client.exec(streams.metadata());
    const terminal = target.terminal;
    let outcome: ExecOutcome | undefined;
    let input: Readable | undefined;
    let stopResize: (() => void) | undefined;
    let settled = false;

    const send = (request: PodExecRequest["request"]): boolean => call.write({ request });
    const cancel = (): void => call.cancel();
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      signal.removeEventListener("abort", cancel);
      stopResize?.();
      terminal?.setRaw(false);
      // An open stdin would keep the process alive.
      input?.destroy();
      return true;
    };

    call.on("data", (m: PodExecResponse) => {
      const r = m.response;
      if (r === undefined) return;
      if (r.$case === "stdout") io.stdout.write(r.value);
      else if (r.$case === "stderr") io.stderr.write(r.value);
      else if (r.$case === "exit") outcome = { kind: "exit", code: r.value.exitCode };
      else outcome = { kind: "error", message: r.value.message };
    });
    call.on("error", (e: ServiceError) => {
      if (!settle()) return;
      if (signal.aborted) resolve({ kind: "interrupted" });
      else reject(streams.failure(e, "exec"));
    });
    call.on("end", () => {
      if (!settle()) return;
      resolve(
        outcome ?? { kind: "error", message: "the exec stream ended without an exit status" },
      );
    });
    signal.addEventListener("abort", cancel, { once: true });

    const size = terminal?.size();
    send({
      $case: "start",
      value: {
        namespace: target.namespace,
        name: target.name,
        container: target.container,
        command: [...target.command],
        stdin: target.stdin,
        tty: terminal !== undefined,
        terminalSize: size,
      },
    });
    if (terminal !== undefined) {
      terminal.setRaw(true);
      stopResize = terminal.onResize(() => {
        const s = terminal.size();
        if (s !== undefined && !settled) send({ $case: "resize", value: s });
      });
    }
    if (target.stdin) {
      const stream = io.stdinStream();
      input = stream;
      call.on("drain", () => stream.resume());
      stream.on("data", (chunk: Buffer | string) => {
        if (settled) return;
        const value = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
        if (!send({ $case: "stdin", value })) stream.pause();
      });
      stream.on("end", () => {
        if (!settled) send({ $case: "closeStdin", value: true });
      });
      // Standard input that cannot be read is said so, and ends like an EOF.
      stream.on("error", (e: Error) => {
        if (settled) return;
        io.stderr.write(`error reading standard input: ${e.message}\n`);
        send({ $case: "closeStdin", value: true });
      });
    }
    if (signal.aborted) cancel();
  });
}
