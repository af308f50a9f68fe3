// The kubelet's (and the conformance suite's) view of a runtime plugin: every call of
// k8ts.runtime.v1 as a promise with a deadline, over one unix socket. The streams
// (ContainerLogs, Exec) are handed out as grpc-js calls: their callers own them.
import {
  credentials,
  Metadata,
  type ClientDuplexStream,
  type ClientReadableStream,
} from "@grpc/grpc-js";
import {
  ImageServiceClient,
  RuntimeServiceClient,
  type ContainerConfig,
  type ContainerFilter,
  type ContainerLogsRequest,
  type ContainerLogsResponse,
  type ContainerStatus,
  type Container,
  type ExecRequest,
  type ExecResponse,
  type ExecSyncResponse,
  type Image,
  type PodSandbox,
  type PodSandboxConfig,
  type PodSandboxFilter,
  type PodSandboxStatus,
  type StatusResponse,
  type VersionResponse,
} from "../gen/k8ts/runtime/v1/runtime.js";
import { unixSocketPath, unixTarget } from "./plugin-endpoint.js";
import { callUnary } from "./unary-call.js";

export interface PluginClientOptions {
  /** Deadline of calls that do not wait on containers (default 30 s). */
  readonly deadlineMs?: number;
}

const CHANNEL_OPTIONS = {
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  // A plugin restart must not leave the kubelet waiting on the default 120 s back-off.
  "grpc.max_reconnect_backoff_ms": 2_000,
  "grpc.initial_reconnect_backoff_ms": 100,
} as const;

export class RuntimeClient {
  readonly runtime: RuntimeServiceClient;
  readonly images: ImageServiceClient;
  private readonly deadlineMs: number;

  /** `endpoint`: "unix:///path.sock" or "/path.sock". */
  constructor(
    readonly endpoint: string,
    options: PluginClientOptions = {},
  ) {
    const target = unixTarget(unixSocketPath(endpoint));
    this.runtime = new RuntimeServiceClient(target, credentials.createInsecure(), CHANNEL_OPTIONS);
    this.images = new ImageServiceClient(target, credentials.createInsecure(), CHANNEL_OPTIONS);
    this.deadlineMs = options.deadlineMs ?? 30_000;
  }

  close(): void {
    this.runtime.close();
    this.images.close();
  }

  version(): Promise<VersionResponse> {
    return callUnary(this.runtime.version.bind(this.runtime), {}, this.deadlineMs);
  }

  status(): Promise<StatusResponse> {
    return callUnary(this.runtime.status.bind(this.runtime), {}, this.deadlineMs);
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    const r = await callUnary(
      this.runtime.runPodSandbox.bind(this.runtime),
      { config },
      this.deadlineMs,
    );
    return r.podSandboxId;
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    await callUnary(
      this.runtime.stopPodSandbox.bind(this.runtime),
      { podSandboxId },
      this.deadlineMs,
    );
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    await callUnary(
      this.runtime.removePodSandbox.bind(this.runtime),
      { podSandboxId },
      this.deadlineMs,
    );
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    const r = await callUnary(
      this.runtime.podSandboxStatus.bind(this.runtime),
      { podSandboxId },
      this.deadlineMs,
    );
    if (r.status === undefined) throw new Error(`PodSandboxStatus ${podSandboxId}: no status`);
    return r.status;
  }

  async listPodSandbox(filter?: PodSandboxFilter): Promise<PodSandbox[]> {
    const r = await callUnary(
      this.runtime.listPodSandbox.bind(this.runtime),
      { filter },
      this.deadlineMs,
    );
    return r.items;
  }

  async createContainer(
    podSandboxId: string,
    config: ContainerConfig,
    sandboxConfig: PodSandboxConfig,
  ): Promise<string> {
    const r = await callUnary(
      this.runtime.createContainer.bind(this.runtime),
      { podSandboxId, config, sandboxConfig },
      this.deadlineMs,
    );
    return r.containerId;
  }

  async startContainer(containerId: string): Promise<void> {
    await callUnary(
      this.runtime.startContainer.bind(this.runtime),
      { containerId },
      this.deadlineMs,
    );
  }

  /** Waits up to `timeoutSeconds` for the container to stop before it is killed. */
  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    await callUnary(
      this.runtime.stopContainer.bind(this.runtime),
      { containerId, timeout: timeoutSeconds },
      this.deadlineMs + timeoutSeconds * 1000,
    );
  }

  async removeContainer(containerId: string): Promise<void> {
    await callUnary(
      this.runtime.removeContainer.bind(this.runtime),
      { containerId },
      this.deadlineMs,
    );
  }

  async listContainers(filter?: ContainerFilter): Promise<Container[]> {
    const r = await callUnary(
      this.runtime.listContainers.bind(this.runtime),
      { filter },
      this.deadlineMs,
    );
    return r.containers;
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const r = await callUnary(
      this.runtime.containerStatus.bind(this.runtime),
      { containerId },
      this.deadlineMs,
    );
    if (r.status === undefined) throw new Error(`ContainerStatus ${containerId}: no status`);
    return r.status;
  }

  /** Runs `cmd`; the call's deadline is the command's timeout plus the usual one. */
  execSync(
    containerId: string,
    cmd: readonly string[],
    timeoutSeconds: number,
    signal?: AbortSignal,
  ): Promise<ExecSyncResponse> {
    return callUnary(
      this.runtime.execSync.bind(this.runtime),
      { containerId, cmd: [...cmd], timeout: timeoutSeconds },
      this.deadlineMs + timeoutSeconds * 1000,
      signal,
    );
  }

  containerLogs(request: ContainerLogsRequest): ClientReadableStream<ContainerLogsResponse> {
    return this.runtime.containerLogs(request, new Metadata());
  }

  exec(): ClientDuplexStream<ExecRequest, ExecResponse> {
    return this.runtime.exec(new Metadata());
  }

  async pullImage(image: string, deadlineMs = 10 * 60_000): Promise<string> {
    const r = await callUnary(
      this.images.pullImage.bind(this.images),
      { image: { image } },
      deadlineMs,
    );
    return r.imageRef;
  }

  async imageStatus(image: string): Promise<Image | undefined> {
    const r = await callUnary(
      this.images.imageStatus.bind(this.images),
      { image: { image } },
      this.deadlineMs,
    );
    return r.image;
  }

  async listImages(): Promise<Image[]> {
    const r = await callUnary(this.images.listImages.bind(this.images), {}, this.deadlineMs);
    return r.images;
  }

  async removeImage(image: string): Promise<void> {
    await callUnary(
      this.images.removeImage.bind(this.images),
      { image: { image } },
      this.deadlineMs,
    );
  }
}
