// The kubelet's view of a network plugin: k8ts.network.v1 as promises with deadlines.
import { credentials } from "@grpc/grpc-js";
import {
  NetworkPluginClient,
  type AddRequest,
  type AddResponse,
  type CheckRequest,
  type DelRequest,
  type StatusResponse,
} from "../gen/k8ts/network/v1/network.js";
import { unixSocketPath, unixTarget } from "./plugin-endpoint.js";
import type { PluginClientOptions } from "./runtime-client.js";
import { callUnary } from "./unary-call.js";

export class NetworkClient {
  readonly plugin: NetworkPluginClient;
  private readonly deadlineMs: number;

  constructor(
    readonly endpoint: string,
    options: PluginClientOptions = {},
  ) {
    this.plugin = new NetworkPluginClient(
      unixTarget(unixSocketPath(endpoint)),
      credentials.createInsecure(),
      { "grpc.max_reconnect_backoff_ms": 2_000, "grpc.initial_reconnect_backoff_ms": 100 },
    );
    this.deadlineMs = options.deadlineMs ?? 30_000;
  }

  close(): void {
    this.plugin.close();
  }

  add(request: AddRequest): Promise<AddResponse> {
    return callUnary(this.plugin.add.bind(this.plugin), request, this.deadlineMs);
  }

  async del(request: DelRequest): Promise<void> {
    await callUnary(this.plugin.del.bind(this.plugin), request, this.deadlineMs);
  }

  async check(request: CheckRequest): Promise<void> {
    await callUnary(this.plugin.check.bind(this.plugin), request, this.deadlineMs);
  }

  status(): Promise<StatusResponse> {
    return callUnary(this.plugin.status.bind(this.plugin), {}, this.deadlineMs);
  }

  async gc(validSandboxIds: readonly string[]): Promise<string[]> {
    const r = await callUnary(
      this.plugin.gc.bind(this.plugin),
      { validSandboxIds: [...validSandboxIds] },
      this.deadlineMs,
    );
    return r.releasedSandboxIds;
  }
}
