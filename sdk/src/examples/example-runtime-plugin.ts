// An example runtime plugin (shown in docs/runtime-plugins.md): k8ts.runtime.v1 on a unix
// socket. Its containers are records that run from StartContainer until stopped; they
// write no output and run no commands (exec is UNIMPLEMENTED). Pulling an image records
// its reference, which is also its id. State is in memory, so a restart forgets it (a real
// plugin keeps it on disk); otherwise it keeps the contract: idempotent stop and remove,
// NOT_FOUND for unknown ids, FAILED_PRECONDITION in the wrong state, labels and
// annotations returned unchanged.
import { randomBytes } from "node:crypto";
import { Server, status, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { addHealth } from "../grpc/health.js";
import { bindUnixSocket } from "../plugin/plugin-socket.js";
import * as rt from "../gen/k8ts/runtime/v1/runtime.js";

const { CONTAINER_STATE_CREATED: CREATED, CONTAINER_STATE_RUNNING: RUNNING } = rt.ContainerState;
const { CONTAINER_STATE_EXITED: EXITED } = rt.ContainerState;
const { POD_SANDBOX_STATE_READY: READY, POD_SANDBOX_STATE_NOTREADY: NOTREADY } = rt.PodSandboxState;

/** Ends a call with a status code (unary() answers with it). */
function fail(code: status, message: string): never {
  throw Object.assign(new Error(message), { code });
}
const required = <T>(value: T | undefined, field: string): T =>
  value ?? fail(status.INVALID_ARGUMENT, `${field}: is required`);
/** A unary handler: its value is the answer, the code of what it throws the status. */
function unary<Req, Res>(handle: (request: Req) => Res) {
  return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
    try {
      callback(null, handle(call.request));
    } catch (e) {
      const code = (e as { code?: status }).code ?? status.INTERNAL;
      callback({ code, details: e instanceof Error ? e.message : String(e) });
    }
  };
}

const nowNs = (): number => Date.now() * 1e6; // Unix nanoseconds
type Filter = { id: string; state: number; labelSelector: Record<string, string> };
type Item = { id: string; state: number; labels: Record<string, string>; podSandboxId?: string };
/** Every field of the filter that is set matches; the labels include the selector's. */
const keep = (f: (Filter & { podSandboxId?: string }) | undefined) => (o: Item) =>
  f === undefined ||
  ((!f.id || o.id === f.id) &&
    (!f.state || o.state === f.state) &&
    (!f.podSandboxId || o.podSandboxId === f.podSandboxId) &&
    Object.entries(f.labelSelector).every(([k, v]) => o.labels[k] === v));

export function exampleRuntime(nodeName: string) {
  const sandboxes = new Map<string, rt.PodSandboxStatus>();
  const containers = new Map<string, rt.ContainerStatus & { podSandboxId: string }>();
  const images = new Map<string, rt.Image>();
  const followers = new Map<string, Array<() => void>>(); // ContainerLogs calls with follow
  function find<T>(map: Map<string, T>, id: string, what: string): T {
    return map.get(id) ?? fail(status.NOT_FOUND, `${what} ${id} not found`);
  }
  /** SIGTERM ends these containers at once (exit code 128 + 15); idempotent. */
  function stop(id: string, remove = false): void {
    const c = containers.get(id);
    if (c?.state === RUNNING)
      Object.assign(c, { state: EXITED, exitCode: 143, reason: "Error", finishedAt: nowNs() });
    for (const end of followers.get(id) ?? []) end(); // exited, and its (empty) log drained
    followers.delete(id);
    if (remove) containers.delete(id);
  }

  const runtime: rt.RuntimeServiceServer = {
    version: unary(() => ({ version: "v1", runtimeName: "example", runtimeVersion: "", nodeName })),
    status: unary(() => ({
      conditions: [{ type: "RuntimeReady", status: true, reason: "", message: "" }],
    })),
    runPodSandbox: unary(({ config }) => {
      const metadata = required(config?.metadata, "config.metadata");
      const { labels = {}, annotations = {} } = config ?? {};
      const id = randomBytes(32).toString("hex");
      const created = { id, metadata, labels, annotations, state: READY, createdAt: nowNs() };
      sandboxes.set(id, rt.PodSandboxStatus.fromPartial(created)); // no netns: the path is ""
      return { podSandboxId: id };
    }),
    stopPodSandbox: unary(({ podSandboxId: id }) => {
      for (const c of containers.values()) if (c.podSandboxId === id) stop(c.id);
      const sandbox = sandboxes.get(id);
      if (sandbox !== undefined) sandbox.state = NOTREADY;
      return {};
    }),
    removePodSandbox: unary(({ podSandboxId: id }) => {
      for (const c of containers.values()) if (c.podSandboxId === id) stop(c.id, true);
      sandboxes.delete(id);
      return {};
    }),
    podSandboxStatus: unary((r) => ({ status: find(sandboxes, r.podSandboxId, "sandbox") })),
    listPodSandbox: unary((r) => ({ items: [...sandboxes.values()].filter(keep(r.filter)) })),
    createContainer: unary(({ podSandboxId, config }) => {
      if (find(sandboxes, podSandboxId, "sandbox").state !== READY)
        fail(status.FAILED_PRECONDITION, `sandbox ${podSandboxId} is not ready`);
      const image = required(config?.image?.image || undefined, "config.image.image");
      if (!images.has(image)) fail(status.NOT_FOUND, `image "${image}" not found`);
      const id = randomBytes(32).toString("hex");
      const metadata = required(config?.metadata, "config.metadata");
      const { labels = {}, annotations = {} } = config ?? {};
      const created = { id, metadata, labels, annotations, state: CREATED, createdAt: nowNs() };
      const c = rt.ContainerStatus.fromPartial({ ...created, image: { image }, imageRef: image });
      containers.set(id, { ...c, podSandboxId });
      return { containerId: id };
    }),
    startContainer: unary(({ containerId: id }) => {
      const c = find(containers, id, "container");
      if (c.state !== CREATED) fail(status.FAILED_PRECONDITION, `${id} was started before`);
      Object.assign(c, { state: RUNNING, startedAt: nowNs() });
      return {};
    }),
    stopContainer: unary(({ containerId: id }) => (stop(id), {})),
    removeContainer: unary(({ containerId: id }) => (stop(id, true), {})),
    listContainers: unary((r) => ({ containers: [...containers.values()].filter(keep(r.filter)) })),
    containerStatus: unary((r) => ({ status: find(containers, r.containerId, "container") })),
    containerLogs: (call) => {
      const c = containers.get(call.request.containerId);
      if (c === undefined)
        return call.emit("error", { code: status.NOT_FOUND, details: "no such container" });
      if (!call.request.follow || c.state === EXITED) return call.end();
      followers.set(c.id, [...(followers.get(c.id) ?? []), () => call.end()]);
    },
    execSync: unary((r) => {
      find(containers, r.containerId, "container");
      return fail(status.UNIMPLEMENTED, "this runtime runs no commands");
    }),
    exec: (call) => call.emit("error", { code: status.UNIMPLEMENTED, details: "no commands" }),
  };
  const ref = (r: { image?: rt.ImageSpec }): string => r.image?.image ?? "";
  const imageService: rt.ImageServiceServer = {
    pullImage: unary((r) => {
      images.set(ref(r), { id: ref(r), repoTags: [ref(r)], size: 0 });
      return { imageRef: ref(r) };
    }),
    imageStatus: unary((r) => ({ image: images.get(ref(r)) })),
    listImages: unary(() => ({ images: [...images.values()] })),
    removeImage: unary((r) => (images.delete(ref(r)), {})),
  };
  return { runtime, images: imageService };
}

/** Serves the example on `socketPath` (from the flags every plugin takes: pluginFlags). */
export async function serveExampleRuntime(nodeName: string, socketPath: string): Promise<Server> {
  const server = new Server();
  const { runtime, images } = exampleRuntime(nodeName);
  server.addService(rt.RuntimeServiceService, runtime);
  server.addService(rt.ImageServiceService, images);
  addHealth(server);
  await bindUnixSocket(server, socketPath);
  return server;
}
