// Pods.Logs and Pods.Exec: authenticated and validated here, then proxied to the kubelet of
// the pod's node (kubelet-connections.ts) and piped both ways unchanged, each direction at
// its reader's pace. The client's cancel cancels the kubelet call; the kubelet's status
// codes reach the client as they are. close() ends every open stream (the server cannot
// stop while they run) and the kubelet clients.
import {
  Metadata,
  status,
  type ClientDuplexStream,
  type ClientReadableStream,
  type ServerDuplexStream,
  type ServerWritableStream,
  type ServiceError,
} from "@grpc/grpc-js";
import type {
  PodExecRequest,
  PodExecResponse,
  PodLogsChunk,
  PodLogsRequest,
} from "@k8ts/sdk/gen/k8ts/api/v1/pod_subresources.js";
import type { Logger } from "pino";
import type { TokenAuthenticator } from "../auth/token-authenticator.js";
import { InvalidError, UnavailableError } from "../registry/api-errors.js";
import { toGrpcError } from "./grpc-status.js";
import type { KubeletConnections, KubeletTarget } from "./kubelet-connections.js";

export type LogsCall = ServerWritableStream<PodLogsRequest, PodLogsChunk>;
export type ExecCall = ServerDuplexStream<PodExecRequest, PodExecResponse>;

/** The apiserver is stopping: open streams end so the server can. */
export class ProxyClosedError extends UnavailableError {
  constructor() {
    super("the apiserver is shutting down");
    this.name = "ProxyClosedError";
  }
}

interface Violation {
  field: string;
  description: string;
}

export function logsViolations(req: PodLogsRequest): Violation[] {
  const v: Violation[] = [];
  if (req.name === "") v.push({ field: "name", description: "Required value" });
  if (req.tailLines !== undefined && req.tailLines < 0)
    v.push({ field: "tail_lines", description: "must be greater than or equal to 0" });
  if (req.sinceSeconds !== undefined && req.sinceSeconds < 1)
    v.push({ field: "since_seconds", description: "must be greater than 0" });
  if (req.limitBytes !== undefined && req.limitBytes < 1)
    v.push({ field: "limit_bytes", description: "must be greater than 0" });
  return v;
}

export function execViolations(first: PodExecRequest | undefined): Violation[] {
  const m = first?.request;
  if (m?.$case !== "start")
    return [{ field: "start", description: "Required value: the first message must be start" }];
  const v: Violation[] = [];
  if (m.value.name === "") v.push({ field: "start.name", description: "Required value" });
  if (m.value.command.length === 0)
    v.push({ field: "start.command", description: "Required value" });
  const sizes = [
    ["start.terminal_size.width", m.value.terminalSize?.width ?? 0],
    ["start.terminal_size.height", m.value.terminalSize?.height ?? 0],
  ] as const;
  for (const [field, n] of sizes)
    if (n > 65535) v.push({ field, description: "must be less than or equal to 65535" });
  return v;
}

/** A kubelet's failure, for the client: its own code, message and details; UNAVAILABLE names the node. */
function kubeletError(e: ServiceError, target: KubeletTarget): Record<string, unknown> {
  const metadata = new Metadata();
  const details = e.metadata?.get("grpc-status-details-bin")[0];
  if (details instanceof Buffer) metadata.set("grpc-status-details-bin", details);
  const message =
    e.code === status.UNAVAILABLE
      ? `kubelet of node "${target.nodeName}" at ${target.address}: ${e.details}`
      : e.details;
  return { code: e.code, details: message, metadata };
}

/** One proxied stream, as the proxy's close() sees it. */
interface OpenStream {
  abort(error: unknown): void;
}

export interface KubeletProxyContext {
  readonly connections: KubeletConnections;
  readonly auth: TokenAuthenticator;
  readonly log: Logger;
}

export class KubeletProxy {
  private readonly open = new Set<OpenStream>();
  private closed = false;

  constructor(private readonly ctx: KubeletProxyContext) {}

  /** Ends every open stream with UNAVAILABLE and closes the kubelet clients. */
  close(): void {
    this.closed = true;
    for (const s of [...this.open]) s.abort(new ProxyClosedError());
    this.ctx.connections.close();
  }

  private fail(
    call: { emit(event: "error", e: unknown): boolean },
    e: unknown,
    method: string,
  ): void {
    const mapped = toGrpcError(e);
    if (mapped.unexpected)
      this.ctx.log.error({ err: e, method: `Pods/${method}` }, "request failed");
    call.emit("error", mapped.error);
  }

  /** Pods.Logs */
  readonly logs = (call: LogsCall): void => {
    const stream = this.track();
    let upstream: ClientReadableStream<PodLogsChunk> | undefined;
    let over = false;
    const finish = (error?: unknown): void => {
      if (over) return;
      over = true;
      this.open.delete(stream);
      call.off("drain", resume);
      upstream?.cancel();
      if (error === undefined) call.end();
      else if (error instanceof Error) this.fail(call, error, "Logs");
      else call.emit("error", error);
    };
    const resume = (): void => {
      upstream?.resume();
    };
    stream.abort = finish;
    call.on("cancelled", () => {
      if (over) return;
      over = true;
      this.open.delete(stream);
      upstream?.cancel();
    });
    (async () => {
      this.ctx.auth.authenticate(call.metadata);
      const violations = logsViolations(call.request);
      if (violations.length > 0) throw new InvalidError("the logs request", violations);
      const target = await this.ctx.connections.target(call.request.namespace, call.request.name);
      if (over) return;
      const req = { ...call.request, namespace: target.pod.metadata?.namespace ?? "" };
      const kubelet = target.client.logs(req, this.ctx.connections.metadata());
      upstream = kubelet;
      call.on("drain", resume);
      kubelet.on("data", (chunk: PodLogsChunk) => {
        if (!over && !call.write(chunk)) kubelet.pause();
      });
      kubelet.on("error", (e: ServiceError) => finish(kubeletError(e, target)));
      kubelet.on("end", () => finish());
    })().catch((e: unknown) => finish(e));
  };

  /** Pods.Exec */
  readonly exec = (call: ExecCall): void => {
    const stream = this.track();
    let upstream: ClientDuplexStream<PodExecRequest, PodExecResponse> | undefined;
    let over = false;
    const finish = (error?: unknown): void => {
      if (over) return;
      over = true;
      this.open.delete(stream);
      call.off("drain", resumeUpstream);
      upstream?.cancel();
      if (error === undefined) call.end();
      else if (error instanceof Error) this.fail(call, error, "Exec");
      else call.emit("error", error);
    };
    const resumeUpstream = (): void => {
      upstream?.resume();
    };
    stream.abort = finish;
    call.on("cancelled", () => {
      if (over) return;
      over = true;
      this.open.delete(stream);
      upstream?.cancel();
    });
    call.on("error", (e: unknown) => finish(e));
    try {
      this.ctx.auth.authenticate(call.metadata);
    } catch (e) {
      finish(e);
      return;
    }

    const start = async (first: PodExecRequest): Promise<void> => {
      const violations = execViolations(first);
      if (violations.length > 0) throw new InvalidError("the exec request", violations);
      const s = first.request?.$case === "start" ? first.request.value : undefined;
      if (s === undefined) return;
      const target = await this.ctx.connections.target(s.namespace, s.name);
      if (over) return;
      const kubelet = target.client.exec(this.ctx.connections.metadata());
      upstream = kubelet;
      call.on("drain", resumeUpstream);
      kubelet.on("drain", () => call.resume());
      kubelet.on("data", (m: PodExecResponse) => {
        if (!over && !call.write(m)) kubelet.pause();
      });
      kubelet.on("error", (e: ServiceError) => finish(kubeletError(e, target)));
      kubelet.on("end", () => finish());
      kubelet.write({
        request: {
          $case: "start",
          value: { ...s, namespace: target.pod.metadata?.namespace ?? "" },
        },
      });
      // What the client sent meanwhile was held (paused); now it flows.
      call.on("data", (m: PodExecRequest) => {
        if (!over && !kubelet.write(m)) call.pause();
      });
      call.on("end", () => {
        if (!over) kubelet.end();
      });
      call.resume();
    };

    const onEarlyEnd = (): void =>
      finish(new InvalidError("the exec request", execViolations(undefined)));
    call.once("end", onEarlyEnd);
    call.once("data", (first: PodExecRequest) => {
      call.pause();
      call.off("end", onEarlyEnd);
      start(first).catch((e: unknown) => finish(e));
    });
  };

  private track(): OpenStream {
    const stream: OpenStream = { abort: () => undefined };
    if (this.closed) {
      // Registered after close(): ends at once.
      queueMicrotask(() => stream.abort(new ProxyClosedError()));
    }
    this.open.add(stream);
    return stream;
  }
}
