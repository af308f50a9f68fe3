// RuntimeService and ImageService of k8ts.runtime.v1 over the mock runtime: requests are
// checked and converted here, records converted back to messages (microseconds to the
// contract's nanoseconds), and errors mapped to status codes at the edge (grpc-status.ts).
import type { UntypedServiceImplementation } from "@grpc/grpc-js";
import { InvalidRequestError, type GrpcEdge } from "@k8ts/sdk/plugin";
import {
  ContainerState,
  PodSandboxState,
  type Container,
  type ContainerStatus,
  type ImageServiceServer,
  type Image,
  type PodSandbox,
  type PodSandboxStatus,
  type RuntimeServiceServer,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { execSync, serveExec } from "./exec-calls.js";
import { MessageCache } from "./list-encoding.js";
import { streamContainerLog } from "./log-stream.js";
import { usToNs } from "./micros-clock.js";
import type { MockRuntime } from "./mock-runtime.js";
import type {
  ContainerRecord,
  ContainerRunState,
  ImageRecord,
  SandboxRecord,
  SandboxState,
} from "./runtime-records.js";

export const RUNTIME_NAME = "mock";
export const RUNTIME_VERSION = "0.1.0";

export function runtimeService(
  runtime: MockRuntime,
  edge: GrpcEdge,
): RuntimeServiceServer & UntypedServiceImplementation {
  const nodeName = runtime.options.nodeName;
  // Lists are answered every second: one message per record and state (list-encoding.ts).
  const sandboxMessages = new MessageCache(toPodSandbox, (s: SandboxRecord) => s.state);
  const containerMessages = new MessageCache(toContainer, (c: ContainerRecord) => c.state);
  return {
    version: edge.unary("Version", () => ({
      version: "v1",
      runtimeName: RUNTIME_NAME,
      runtimeVersion: RUNTIME_VERSION,
      nodeName,
    })),
    status: edge.unary("Status", () => ({
      conditions: [
        { type: "RuntimeReady", status: true, reason: "", message: "" },
        { type: "NetworkReady", status: true, reason: "", message: "" },
      ],
    })),

    runPodSandbox: edge.unary("RunPodSandbox", async (req) => {
      const config = req.config;
      if (config === undefined) throw new InvalidRequestError("config", "is required");
      const meta = config.metadata;
      if (meta === undefined) throw new InvalidRequestError("config.metadata", "is required");
      return {
        podSandboxId: await runtime.runPodSandbox({
          name: meta.name,
          uid: meta.uid,
          namespace: meta.namespace,
          attempt: meta.attempt,
          hostname: config.hostname,
          labels: config.labels,
          annotations: config.annotations,
        }),
      };
    }),
    stopPodSandbox: edge.unary("StopPodSandbox", async (req) => {
      await runtime.stopPodSandbox(req.podSandboxId);
      return {};
    }),
    removePodSandbox: edge.unary("RemovePodSandbox", async (req) => {
      await runtime.removePodSandbox(req.podSandboxId);
      return {};
    }),
    podSandboxStatus: edge.unary("PodSandboxStatus", (req) => ({
      status: toPodSandboxStatus(runtime.sandbox(req.podSandboxId)),
    })),
    listPodSandbox: edge.unary("ListPodSandbox", (req) => {
      const f = req.filter;
      return {
        items: runtime
          .listSandboxes({
            id: nonEmpty(f?.id),
            state: f === undefined ? undefined : fromSandboxState(f.state),
            labels: f?.labelSelector,
          })
          .map((s) => sandboxMessages.get(s)),
      };
    }),

    createContainer: edge.unary("CreateContainer", async (req) => {
      const config = req.config;
      if (config === undefined) throw new InvalidRequestError("config", "is required");
      if (config.metadata === undefined)
        throw new InvalidRequestError("config.metadata", "is required");
      return {
        containerId: await runtime.createContainer(req.podSandboxId, {
          name: config.metadata.name,
          attempt: config.metadata.attempt,
          image: config.image?.image ?? "",
          command: config.command,
          args: config.args,
          stdin: config.stdin,
          labels: config.labels,
          annotations: config.annotations,
        }),
      };
    }),
    startContainer: edge.unary("StartContainer", async (req) => {
      await runtime.startContainer(req.containerId);
      return {};
    }),
    stopContainer: edge.unary("StopContainer", async (req) => {
      await runtime.stopContainer(req.containerId, req.timeout);
      return {};
    }),
    removeContainer: edge.unary("RemoveContainer", async (req) => {
      await runtime.removeContainer(req.containerId);
      return {};
    }),
    listContainers: edge.unary("ListContainers", (req) => {
      const f = req.filter;
      return {
        containers: runtime
          .listContainers({
            id: nonEmpty(f?.id),
            sandboxId: nonEmpty(f?.podSandboxId),
            state: f === undefined ? undefined : fromContainerState(f.state),
            labels: f?.labelSelector,
          })
          .map((c) => containerMessages.get(c)),
      };
    }),
    containerStatus: edge.unary("ContainerStatus", (req) => ({
      status: toContainerStatus(runtime.container(req.containerId).record),
    })),
    containerLogs: (call) => {
      try {
        streamContainerLog(call, runtime.container(call.request.containerId).log, runtime.closing);
      } catch (e) {
        call.emit("error", edge.toGrpcError(e, "ContainerLogs"));
      }
    },

    execSync: edge.unary("ExecSync", (req, cancelled) => execSync(runtime, req, cancelled)),
    exec: (call) => serveExec(call, runtime, edge),
  };
}

export function imageService(
  runtime: MockRuntime,
  edge: GrpcEdge,
): ImageServiceServer & UntypedServiceImplementation {
  return {
    pullImage: edge.unary("PullImage", async (req) => ({
      imageRef: (await runtime.pullImage(req.image?.image ?? "")).id,
    })),
    imageStatus: edge.unary("ImageStatus", (req) => {
      const image = runtime.images.find(req.image?.image ?? "");
      return { image: image === undefined ? undefined : toImage(image) };
    }),
    listImages: edge.unary("ListImages", () => ({ images: runtime.images.list().map(toImage) })),
    removeImage: edge.unary("RemoveImage", async (req) => {
      await runtime.removeImage(req.image?.image ?? "");
      return {};
    }),
  };
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === "" ? undefined : s;
}

const SANDBOX_STATES: Record<SandboxState, PodSandboxState> = {
  READY: PodSandboxState.POD_SANDBOX_STATE_READY,
  NOTREADY: PodSandboxState.POD_SANDBOX_STATE_NOTREADY,
};

const CONTAINER_STATES: Record<ContainerRunState, ContainerState> = {
  CREATED: ContainerState.CONTAINER_STATE_CREATED,
  RUNNING: ContainerState.CONTAINER_STATE_RUNNING,
  EXITED: ContainerState.CONTAINER_STATE_EXITED,
};

function fromSandboxState(state: PodSandboxState): SandboxState | undefined {
  if (state === PodSandboxState.POD_SANDBOX_STATE_READY) return "READY";
  if (state === PodSandboxState.POD_SANDBOX_STATE_NOTREADY) return "NOTREADY";
  return undefined;
}

function fromContainerState(state: ContainerState): ContainerRunState | undefined {
  for (const [name, value] of Object.entries(CONTAINER_STATES))
    if (value === state) return name as ContainerRunState;
  return undefined;
}

function sandboxMetadata(s: SandboxRecord) {
  return { name: s.name, uid: s.uid, namespace: s.namespace, attempt: s.attempt };
}

function toPodSandbox(s: SandboxRecord): PodSandbox {
  return {
    id: s.id,
    metadata: sandboxMetadata(s),
    state: SANDBOX_STATES[s.state],
    createdAt: usToNs(s.createdUs),
    labels: { ...s.labels },
    annotations: { ...s.annotations },
  };
}

function toPodSandboxStatus(s: SandboxRecord): PodSandboxStatus {
  // The mock has no namespaces: netns_path stays empty.
  return { ...toPodSandbox(s), netnsPath: "" };
}

function toContainer(c: ContainerRecord): Container {
  return {
    id: c.id,
    podSandboxId: c.sandboxId,
    metadata: { name: c.name, attempt: c.attempt },
    image: { image: c.image },
    imageRef: c.imageRef,
    state: CONTAINER_STATES[c.state],
    createdAt: usToNs(c.createdUs),
    labels: { ...c.labels },
    annotations: { ...c.annotations },
  };
}

function toContainerStatus(c: ContainerRecord): ContainerStatus {
  return {
    id: c.id,
    metadata: { name: c.name, attempt: c.attempt },
    state: CONTAINER_STATES[c.state],
    createdAt: usToNs(c.createdUs),
    startedAt: usToNs(c.startedUs),
    finishedAt: usToNs(c.finishedUs),
    exitCode: c.exitCode,
    image: { image: c.image },
    imageRef: c.imageRef,
    reason: c.reason,
    message: c.message,
    labels: { ...c.labels },
    annotations: { ...c.annotations },
  };
}

function toImage(i: ImageRecord): Image {
  return { id: i.id, repoTags: [...i.repoTags], size: 0 };
}
