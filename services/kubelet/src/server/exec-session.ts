// One Exec call: the first message (start) picks a running container; then the client's
// stdin, resize and close_stdin go to the runtime's Exec stream and its output and exit
// come back, each direction at the pace of its reader (a full send buffer pauses the other
// side). Failures before the runtime stream opens end the call with a gRPC status; after,
// they are sent as the stream's last message (`error`), as pod_subresources.proto says.
import type { ServerDuplexStream } from "@grpc/grpc-js";
import type {
  PodExecRequest,
  PodExecResponse,
  PodExecStart,
} from "@k8ts/sdk/gen/k8ts/api/v1/pod_subresources.js";
import type { ExecRequest, ExecResponse } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import type { RuntimeClient } from "@k8ts/sdk";
import { ContainerStateError, type PodLocator } from "./pod-locator.js";
import { InvalidRequestError, RuntimeContractError, toKubeletStatus } from "./kubelet-status.js";
import type { OpenStream } from "./log-stream.js";

export type ExecCall = ServerDuplexStream<PodExecRequest, PodExecResponse>;

export function validateExecStart(start: PodExecStart): void {
  const violations: { field: string; description: string }[] = [];
  if (start.name === "") violations.push({ field: "start.name", description: "Required value" });
  if (start.command.length === 0)
    violations.push({ field: "start.command", description: "Required value" });
  if (violations.length > 0) throw new InvalidRequestError(violations);
}

export interface ExecSessionDeps {
  readonly locator: PodLocator;
  readonly runtime: RuntimeClient;
  /** Ends the call with the gRPC status of `error` (before the exec started). */
  readonly fail: (call: ExecCall, error: unknown) => void;
  /** Reports a failure that is not one of the expected ones. */
  readonly unexpected: (error: unknown) => void;
  /** Called once when the session is over, however it ended. */
  readonly onDone: () => void;
}

/** Serves one Exec call; the returned handle lets the server end it when it stops. */
export function serveExec(call: ExecCall, deps: ExecSessionDeps): OpenStream {
  let over = false;
  let runtime: ReturnType<RuntimeClient["exec"]> | undefined;

  const done = (): void => {
    over = true;
    call.off("drain", resumeRuntime);
    runtime?.cancel();
    deps.onDone();
  };
  /** Before the runtime stream opened: a gRPC status. */
  const refuse = (error: unknown): void => {
    if (over) return;
    done();
    deps.fail(call, error);
  };
  /** After: the `error` message, then the end of the stream. */
  const abort = (error: unknown): void => {
    if (over) return;
    if (runtime === undefined) {
      refuse(error);
      return;
    }
    const mapped = toKubeletStatus(error);
    if (mapped.unexpected) deps.unexpected(error);
    done();
    call.write({
      response: {
        $case: "error",
        value: { code: mapped.code, message: mapped.details, details: [] },
      },
    });
    call.end();
  };
  const resumeRuntime = (): void => {
    runtime?.resume();
  };
  const toRuntime = (message: ExecRequest): void => {
    if (runtime !== undefined && !runtime.write(message)) call.pause();
  };

  const begin = (start: PodExecStart): void => {
    validateExecStart(start);
    const located = deps.locator.locate(start.namespace, start.name, start.container, false);
    if (!located.running)
      throw new ContainerStateError(`container ${located.containerName} is not running`);
    const stream = deps.runtime.exec();
    runtime = stream;
    call.on("drain", resumeRuntime);
    stream.on("drain", () => call.resume());
    let exited = false;
    stream.on("data", (response: ExecResponse) => {
      if (over) return;
      const r = response.response;
      if (r === undefined) return;
      if (r.$case === "exit") {
        exited = true;
        done();
        call.write({ response: { $case: "exit", value: { exitCode: r.value.exitCode } } });
        call.end();
        return;
      }
      if (!call.write({ response: r })) stream.pause();
    });
    stream.on("error", (e: unknown) => abort(e));
    stream.on("end", () => {
      if (!exited)
        abort(new RuntimeContractError("the runtime ended the exec stream without an exit status"));
    });
    stream.write({
      request: {
        $case: "start",
        value: {
          containerId: located.containerId,
          cmd: start.command,
          stdin: start.stdin,
          tty: start.tty,
          terminalSize: start.tty ? start.terminalSize : undefined,
        },
      },
    });
  };

  call.on("data", (message: PodExecRequest) => {
    if (over) return;
    const m = message.request;
    if (runtime === undefined) {
      if (m?.$case !== "start") {
        refuse(
          new InvalidRequestError([
            { field: "start", description: "the first message must be start" },
          ]),
        );
        return;
      }
      try {
        begin(m.value);
      } catch (e) {
        refuse(e);
      }
      return;
    }
    switch (m?.$case) {
      case "start":
        abort(
          new InvalidRequestError([
            { field: "start", description: "only the first message may be start" },
          ]),
        );
        return;
      case "stdin":
        toRuntime({ request: { $case: "stdin", value: m.value } });
        return;
      case "resize":
        toRuntime({ request: { $case: "resize", value: m.value } });
        return;
      case "closeStdin":
        toRuntime({ request: { $case: "closeStdin", value: true } });
        return;
      case undefined:
        return;
    }
  });
  call.on("end", () => {
    if (runtime === undefined)
      refuse(
        new InvalidRequestError([
          { field: "start", description: "the first message must be start" },
        ]),
      );
    // The client sends nothing more; the command runs on until it exits.
    else if (!over) runtime.end();
  });
  call.on("cancelled", () => {
    if (!over) done();
  });
  call.on("error", (e: unknown) => {
    if (!over) abort(e);
  });
  return { abort };
}
