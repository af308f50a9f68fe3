// The mock runtime's model of one node: sandboxes, simulated containers and images, with
// the lifecycle rules of the runtime contract (proto/k8ts/runtime/v1/runtime.proto):
// idempotent stop and remove, NOT_FOUND for unknown ids elsewhere, FAILED_PRECONDITION for
// calls in the wrong state. State is adopted from --state-dir at start and saved back on
// every change. runtime-service.ts puts it on gRPC.
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "@k8ts/sdk/logging";
import { InvalidRequestError } from "@k8ts/sdk/plugin";
import { ContainerLog } from "./container-log.js";
import { ImageStore } from "./image-store.js";
import { nowUs } from "./micros-clock.js";
import { NotFoundError, ShuttingDownError, WrongStateError } from "./runtime-errors.js";
import { RuntimePersistence } from "./runtime-persistence.js";
import type {
  ContainerRecord,
  ContainerRunState,
  ImageRecord,
  SandboxRecord,
  SandboxState,
} from "./runtime-records.js";
import { SimulatedContainer } from "./simulated-container.js";

export interface MockRuntimeOptions {
  readonly nodeName: string;
  readonly stateDir: string;
  /** How long StartContainer takes. */
  readonly startDelayMs: number;
  /** How long PullImage takes. */
  readonly pullDelayMs: number;
  /** Globs of image references that do not exist. */
  readonly missingImages: readonly string[];
  readonly logger: Logger;
}

export interface SandboxSpec {
  readonly name: string;
  readonly uid: string;
  readonly namespace: string;
  readonly attempt: number;
  readonly hostname: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface ContainerSpec {
  readonly name: string;
  readonly attempt: number;
  readonly image: string;
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly stdin: boolean;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

export interface SandboxFilter {
  readonly id?: string;
  readonly state?: SandboxState;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface ContainerFilter {
  readonly id?: string;
  readonly sandboxId?: string;
  readonly state?: ContainerRunState;
  readonly labels?: Readonly<Record<string, string>>;
}

export class MockRuntime {
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, SimulatedContainer>();
  readonly images: ImageStore;
  private readonly stopping = new AbortController();

  private constructor(
    readonly options: MockRuntimeOptions,
    private readonly persistence: RuntimePersistence,
    images: readonly ImageRecord[],
  ) {
    this.images = new ImageStore(images, options.missingImages);
  }

  /** Opens the state dir and adopts what it holds; containers that ran go on running. */
  static async open(options: MockRuntimeOptions): Promise<MockRuntime> {
    const { persistence, loaded } = await RuntimePersistence.open(
      options.stateDir,
      options.nodeName,
      options.logger,
    );
    const doc = loaded.document;
    const runtime = new MockRuntime(options, persistence, doc?.images ?? []);
    for (const s of doc?.sandboxes ?? []) runtime.sandboxes.set(s.id, { ...s });
    for (const c of doc?.containers ?? []) {
      const record = { ...c };
      const log = new ContainerLog(loaded.logs.get(c.id) ?? [], c.pendingOutput);
      if (c.state === "EXITED") log.end(c.finishedUs);
      persistence.adoptLog(c.id, log.lastSeq);
      runtime.containers.set(c.id, new SimulatedContainer(record, log, runtime.host));
    }
    persistence.attach(() => runtime.snapshot());
    for (const c of runtime.containers.values()) c.resume();
    if (doc !== undefined)
      options.logger.info(
        { sandboxes: runtime.sandboxes.size, containers: runtime.containers.size },
        "adopted the state of the previous run",
      );
    return runtime;
  }

  /** Stops timers and waiting calls, and saves everything; containers stay as they are. */
  async close(): Promise<void> {
    this.stopping.abort(new ShuttingDownError());
    for (const c of this.containers.values()) c.suspend();
    await this.persistence.close();
  }

  /** Aborted when the plugin stops (streams end on it). */
  get closing(): AbortSignal {
    return this.stopping.signal;
  }

  // Sandboxes

  async runPodSandbox(spec: SandboxSpec): Promise<string> {
    if (spec.name === "") throw new InvalidRequestError("config.metadata.name", "is required");
    const id = newId();
    this.sandboxes.set(id, { id, ...spec, createdUs: nowUs(), state: "READY" });
    await this.saved();
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sandbox = this.sandboxes.get(id);
    if (sandbox === undefined) return;
    for (const c of this.containersOf(id)) c.kill();
    sandbox.state = "NOTREADY";
    await this.saved();
  }

  async removePodSandbox(id: string): Promise<void> {
    if (!this.sandboxes.has(id)) return;
    for (const c of this.containersOf(id)) this.dropContainer(c);
    this.sandboxes.delete(id);
    await this.saved();
  }

  sandbox(id: string): SandboxRecord {
    const sandbox = this.sandboxes.get(id);
    if (sandbox === undefined)
      throw new NotFoundError(`pod sandbox ${JSON.stringify(id)} not found`);
    return sandbox;
  }

  listSandboxes(filter: SandboxFilter = {}): SandboxRecord[] {
    const out: SandboxRecord[] = [];
    for (const s of this.sandboxes.values())
      if (
        (filter.id === undefined || s.id === filter.id) &&
        (filter.state === undefined || s.state === filter.state) &&
        hasLabels(s.labels, filter.labels)
      )
        out.push(s);
    return out.sort((a, b) => a.createdUs - b.createdUs);
  }

  // Containers

  async createContainer(sandboxId: string, spec: ContainerSpec): Promise<string> {
    if (spec.name === "") throw new InvalidRequestError("config.metadata.name", "is required");
    if (spec.image === "") throw new InvalidRequestError("config.image.image", "is required");
    const sandbox = this.sandbox(sandboxId);
    if (sandbox.state !== "READY")
      throw new WrongStateError(`pod sandbox ${JSON.stringify(sandboxId)} is not ready`);
    const image = this.images.find(spec.image);
    if (image === undefined)
      throw new NotFoundError(`image ${JSON.stringify(spec.image)} not found: pull it first`);
    const id = newId();
    const record: ContainerRecord = {
      id,
      sandboxId,
      name: spec.name,
      attempt: spec.attempt,
      image: spec.image,
      imageRef: image.id,
      command: [...spec.command],
      args: [...spec.args],
      stdin: spec.stdin,
      labels: { ...spec.labels },
      annotations: { ...spec.annotations },
      createdUs: nowUs(),
      state: "CREATED",
      startedUs: 0,
      finishedUs: 0,
      exitCode: 0,
      reason: "",
      message: "",
    };
    this.containers.set(id, new SimulatedContainer(record, new ContainerLog(), this.host));
    await this.saved();
    return id;
  }

  async startContainer(id: string): Promise<void> {
    const c = this.container(id);
    this.checkStartable(c);
    if (this.options.startDelayMs > 0) {
      await this.wait(this.options.startDelayMs);
      // It may have been removed, or started by a concurrent call, meanwhile.
      this.checkStartable(this.container(id));
    }
    c.start();
    await this.saved();
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const c = this.containers.get(id);
    if (c === undefined) return;
    await c.stop(timeoutSeconds);
    await this.saved();
  }

  async removeContainer(id: string): Promise<void> {
    const c = this.containers.get(id);
    if (c === undefined) return;
    this.dropContainer(c);
    await this.saved();
  }

  container(id: string): SimulatedContainer {
    const c = this.containers.get(id);
    if (c === undefined) throw new NotFoundError(`container ${JSON.stringify(id)} not found`);
    return c;
  }

  /** A running container, for exec: FAILED_PRECONDITION when it is not running. */
  runningContainer(id: string): SimulatedContainer {
    const c = this.container(id);
    if (!c.running) throw new WrongStateError(`container ${JSON.stringify(id)} is not running`);
    return c;
  }

  listContainers(filter: ContainerFilter = {}): ContainerRecord[] {
    const out: ContainerRecord[] = [];
    for (const { record: c } of this.containers.values())
      if (
        (filter.id === undefined || c.id === filter.id) &&
        (filter.sandboxId === undefined || c.sandboxId === filter.sandboxId) &&
        (filter.state === undefined || c.state === filter.state) &&
        hasLabels(c.labels, filter.labels)
      )
        out.push(c);
    return out.sort((a, b) => a.createdUs - b.createdUs);
  }

  // Images

  async pullImage(reference: string): Promise<ImageRecord> {
    if (reference === "") throw new InvalidRequestError("image.image", "is required");
    if (this.options.pullDelayMs > 0) await this.wait(this.options.pullDelayMs);
    const image = this.images.pull(reference, nowUs());
    await this.saved();
    return image;
  }

  async removeImage(referenceOrId: string): Promise<void> {
    this.images.remove(referenceOrId);
    await this.saved();
  }

  /** Counts for the status endpoint. */
  counts(): { sandboxes: number; containers: Record<ContainerRunState, number>; images: number } {
    const containers: Record<ContainerRunState, number> = { CREATED: 0, RUNNING: 0, EXITED: 0 };
    for (const c of this.containers.values()) containers[c.record.state]++;
    return { sandboxes: this.sandboxes.size, containers, images: this.images.list().length };
  }

  private readonly host = {
    now: nowUs,
    changed: (urgent: boolean): void =>
      urgent ? this.persistence.saveNow() : this.persistence.saveSoon(),
  };

  private checkStartable(c: SimulatedContainer): void {
    if (c.record.state !== "CREATED")
      throw new WrongStateError(
        `container ${JSON.stringify(c.record.id)} is ${c.record.state.toLowerCase()}, not created: it can be started only once`,
      );
    const sandbox = this.sandboxes.get(c.record.sandboxId);
    if (sandbox?.state !== "READY")
      throw new WrongStateError(
        `pod sandbox ${JSON.stringify(c.record.sandboxId)} of container ${JSON.stringify(c.record.id)} is not ready`,
      );
  }

  /**
   * Resolves once the state as it is now is saved: a call that changes something answers
   * only then, so a plugin killed right after still knows what it answered.
   */
  private saved(): Promise<void> {
    return this.persistence.saveAndWait();
  }

  private dropContainer(c: SimulatedContainer): void {
    c.kill();
    c.dispose();
    this.containers.delete(c.record.id);
  }

  private containersOf(sandboxId: string): SimulatedContainer[] {
    return [...this.containers.values()].filter((c) => c.record.sandboxId === sandboxId);
  }

  /** Waits `ms`, or fails with ShuttingDownError when the plugin stops first. */
  private async wait(ms: number): Promise<void> {
    try {
      await delay(ms, undefined, { signal: this.stopping.signal });
    } catch (e) {
      if (this.stopping.signal.aborted) throw new ShuttingDownError();
      throw e;
    }
  }

  private snapshot() {
    return {
      document: {
        version: 1 as const,
        nodeName: this.options.nodeName,
        sandboxes: [...this.sandboxes.values()],
        containers: [...this.containers.values()].map((c) => ({
          ...c.record,
          pendingOutput: c.log.pendingOutput(),
        })),
        images: this.images.list(),
      },
      logs: new Map([...this.containers].map(([id, c]) => [id, c.log])),
    };
  }
}

/** 64 hex digits, as Docker and containerd ids: random, so no two nodes ever collide. */
function newId(): string {
  return randomBytes(32).toString("hex");
}

function hasLabels(
  labels: Readonly<Record<string, string>>,
  selector: Readonly<Record<string, string>> | undefined,
): boolean {
  if (selector === undefined) return true;
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}
