// ExecSync and Exec on the wire: a command run "inside" a running container by the mock's
// shell interpreter (exec-session.ts). ExecSync collects the output (bounded) and fails
// with DEADLINE_EXCEEDED past its timeout; Exec streams stdin in and output out, with
// backpressure both ways, and ends with the exit code.
import type { ServerDuplexStream } from "@grpc/grpc-js";
import { InvalidRequestError, type GrpcEdge } from "@k8ts/sdk/plugin";
import type {
  ExecRequest,
  ExecResponse,
  ExecStart,
  ExecSyncRequest,
  ExecSyncResponse,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { runExec, StdinQueue } from "./exec-session.js";
import type { MockRuntime } from "./mock-runtime.js";
import { ExecTimeoutError, ShuttingDownError } from "./runtime-errors.js";
import { programFor } from "./shell-script.js";

/** Output ExecSync keeps per stream (the rest is dropped: replies stay under 4 MiB). */
const MAX_SYNC_OUTPUT = 1024 * 1024;
/** Stdin chunks queued before the stream stops reading from the caller. */
const MAX_QUEUED_STDIN = 64;

export async function execSync(
  runtime: MockRuntime,
  request: ExecSyncRequest,
  cancelled: AbortSignal,
): Promise<ExecSyncResponse> {
  if (request.cmd.length === 0) throw new InvalidRequestError("cmd", "is required");
  const exec = runtime.runningContainer(request.containerId).attachExec();
  const onCancel = (): void => exec.abort();
  cancelled.addEventListener("abort", onCancel, { once: true });
  const timer =
    request.timeout > 0
      ? setTimeout(() => exec.abort(new ExecTimeoutError(request.timeout)), request.timeout * 1000)
      : undefined;
  const stdout = new BoundedOutput(MAX_SYNC_OUTPUT);
  const stderr = new BoundedOutput(MAX_SYNC_OUTPUT);
  try {
    const exitCode = await runExec(
      programFor(request.cmd, []),
      { stdout: (b) => stdout.add(b), stderr: (b) => stderr.add(b), stdin: StdinQueue.closed() },
      exec.signal,
    );
    const reason: unknown = exec.signal.reason;
    if (reason instanceof ExecTimeoutError || reason instanceof ShuttingDownError) throw reason;
    return { stdout: stdout.bytes(), stderr: stderr.bytes(), exitCode };
  } finally {
    clearTimeout(timer);
    cancelled.removeEventListener("abort", onCancel);
    exec.abort(); // detaches it from the container
  }
}

export function serveExec(
  call: ServerDuplexStream<ExecRequest, ExecResponse>,
  runtime: MockRuntime,
  edge: GrpcEdge,
): void {
  let session: { readonly stdin: StdinQueue; readonly exec: AbortController } | undefined;
  let finished = false;
  let paused = false;

  const fail = (err: unknown): void => {
    if (finished) return;
    finished = true;
    session?.exec.abort();
    call.emit("error", edge.toGrpcError(err, "Exec"));
  };
  const pause = (): void => {
    if (paused) return;
    paused = true;
    call.pause();
  };
  const resume = (): void => {
    if (!paused) return;
    paused = false;
    call.resume();
  };
  const send = (response: ExecResponse): void => {
    if (finished) return;
    // A slow reader: stop taking stdin (the only source of unbounded output is `cat`).
    if (!call.write(response)) {
      pause();
      call.once("drain", resume);
    }
  };

  const begin = (start: ExecStart): typeof session => {
    if (start.cmd.length === 0) throw new InvalidRequestError("start.cmd", "is required");
    const exec = runtime.runningContainer(start.containerId).attachExec();
    const stdin = start.stdin
      ? new StdinQueue(() => {
          if (stdin.buffered < MAX_QUEUED_STDIN) resume();
        })
      : StdinQueue.closed();
    const stdout = (value: Buffer): void => send({ response: { $case: "stdout", value } });
    // With a terminal, stderr is the terminal too.
    const stderr = start.tty
      ? stdout
      : (value: Buffer): void => send({ response: { $case: "stderr", value } });
    void runExec(programFor(start.cmd, []), { stdout, stderr, stdin }, exec.signal).then(
      (exitCode) => {
        if (exec.signal.reason instanceof ShuttingDownError) return fail(exec.signal.reason);
        if (finished) return;
        finished = true;
        call.write({ response: { $case: "exit", value: { exitCode } } });
        call.end();
        exec.abort();
      },
      fail,
    );
    return { stdin, exec };
  };

  call.on("data", (message: ExecRequest) => {
    if (finished) return;
    const request = message.request;
    if (session === undefined) {
      if (request?.$case !== "start")
        return fail(new InvalidRequestError("start", "the first message must be start"));
      try {
        session = begin(request.value);
      } catch (e) {
        fail(e);
      }
      return;
    }
    switch (request?.$case) {
      case "stdin":
        session.stdin.push(request.value);
        if (session.stdin.buffered >= MAX_QUEUED_STDIN) pause();
        break;
      case "closeStdin":
        session.stdin.end();
        break;
      case "start":
        fail(new InvalidRequestError("start", "sent twice"));
        break;
      default:
        // resize: the mock has no terminal to resize.
        break;
    }
  });
  call.on("end", () => {
    // The caller closed its side: end-of-file on stdin.
    if (session === undefined) fail(new InvalidRequestError("start", "is required"));
    else session.stdin.end();
  });
  call.on("cancelled", () => {
    finished = true;
    session?.exec.abort();
  });
}

class BoundedOutput {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly max: number) {}

  add(chunk: Buffer): void {
    const room = this.max - this.size;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
