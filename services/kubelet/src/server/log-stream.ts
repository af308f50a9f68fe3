// One Logs call: the container the locator names, its runtime log stream, formatted as the
// user sees it, at the client's pace (a full send buffer pauses the runtime stream), ended
// by the runtime's end, the byte limit, the client's cancel or the server's stop.
import type { ServerWritableStream } from "@grpc/grpc-js";
import type { PodLogsChunk, PodLogsRequest } from "@k8ts/sdk/gen/k8ts/api/v1/pod_subresources.js";
import type { ContainerLogsResponse } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import type { RuntimeClient } from "@k8ts/sdk";
import { InvalidRequestError } from "./kubelet-status.js";
import { LogFormatter } from "./log-formatter.js";
import type { PodLocator } from "./pod-locator.js";

export type LogsCall = ServerWritableStream<PodLogsRequest, PodLogsChunk>;

/** A stream the server can end when it stops. */
export interface OpenStream {
  /** Ends the stream with `error` (a gRPC status for the client). */
  abort(error: unknown): void;
}

export function validateLogsRequest(req: PodLogsRequest): void {
  const violations: { field: string; description: string }[] = [];
  if (req.name === "") violations.push({ field: "name", description: "Required value" });
  if (req.tailLines !== undefined && req.tailLines < 0)
    violations.push({ field: "tail_lines", description: "must be greater than or equal to 0" });
  if (req.sinceSeconds !== undefined && req.sinceSeconds < 1)
    violations.push({ field: "since_seconds", description: "must be greater than 0" });
  if (req.limitBytes !== undefined && req.limitBytes < 1)
    violations.push({ field: "limit_bytes", description: "must be greater than 0" });
  if (violations.length > 0) throw new InvalidRequestError(violations);
}

export interface LogStreamDeps {
  readonly locator: PodLocator;
  readonly runtime: RuntimeClient;
  /** Ends the call with the status of `error`. */
  readonly fail: (call: LogsCall, error: unknown) => void;
  /** Called once when the stream is over, however it ended. */
  readonly onDone: () => void;
}

/** Starts streaming; throws (before anything is sent) when the request cannot be served. */
export function startLogStream(call: LogsCall, deps: LogStreamDeps): OpenStream {
  const req = call.request;
  validateLogsRequest(req);
  const located = deps.locator.locate(req.namespace, req.name, req.container, req.previous);
  const formatter = new LogFormatter({ timestamps: req.timestamps, limitBytes: req.limitBytes });
  const source = deps.runtime.containerLogs({
    containerId: located.containerId,
    follow: req.follow,
    tailLines: req.tailLines,
    sinceTime:
      req.sinceSeconds === undefined ? undefined : (Date.now() - req.sinceSeconds * 1000) * 1e6,
  });

  let over = false;
  const finish = (error?: unknown): void => {
    if (over) return;
    over = true;
    call.off("drain", resume);
    source.cancel();
    if (error === undefined) call.end();
    else deps.fail(call, error);
    deps.onDone();
  };
  const resume = (): void => {
    source.resume();
  };
  call.on("drain", resume);
  call.on("cancelled", () => {
    if (over) return;
    over = true;
    source.cancel();
    deps.onDone();
  });
  source.on("data", (response: ContainerLogsResponse) => {
    if (over) return;
    let blocked = false;
    for (const data of formatter.format(response.entries))
      blocked = !call.write({ data }) || blocked;
    if (formatter.exhausted) finish();
    else if (blocked) source.pause();
  });
  source.on("error", (e: unknown) => finish(e));
  source.on("end", () => finish());
  return { abort: (error) => finish(error) };
}
