// The mock runtime's model of one node: sandboxes, simulated containers and images, with
// the lifecycle rules of the runtime contract (proto/k8ts/runtime/v1/runtime.proto):
// idempotent stop and remove, NOT_FOUND for unknown ids elsewhere, FAILED_PRECONDITION for
// calls in the wrong state. State is adopted from --state-dir at start and saved back on
// every change (the changed records only). Every call on one object is a map lookup and a
// list filtered by sandbox or labels costs what it returns (indexes), since each kubelet
// lists every second. runtime-service.ts puts it on gRPC.
import { randomBytes } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type { Logger } from "@k8ts/sdk/logging";
import { InvalidRequestError } from "@k8ts/sdk/plugin";
import { ContainerLog } from "./container-log.js";
import { ImageStore } from "./image-store.js";
import { hasLabels, LabelIndex } from "./label-index.js";
import { nowUs } from "./micros-clock.js";
import { NotFoundError, ShuttingDownError, WrongStateError } from "./runtime-errors.js";
import { RuntimePersistence, type PersistedRecords } from "./runtime-persistence.js";
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
  // Maps and index sets keep insertion order, which is creation order (the loaded records
  // are added oldest first): lists come out oldest first without sorting.
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly sandboxLabels = new LabelIndex<SandboxRecord>();
  private readonly containers = new Map<string, SimulatedContainer>();
  private readonly containerLabels = new LabelIndex<SimulatedContainer>();
  private readonly containersBySandbox = new Map<string, Set<SimulatedContainer>>();
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
    const runtime = new MockRuntime(options, persistence, loaded.images);
    for (const s of loaded.sandboxes) runtime.addSandbox({ ...s });
    for (const c of loaded.containers) {
      const log = new ContainerLog(loaded.logs.get(c.id) ?? [], c.pendingOutput);
      if (c.state === "EXITED") log.end(c.finishedUs);
      persistence.adoptLog(c.id, log.lastSeq);
      runtime.addContainer({ ...c }, log);
    }
    persistence.attach(runtime.persisted);
    for (const c of runtime.containers.values()) c.resume();
    if (loaded.adopted)
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
    this.addSandbox({ id, ...spec, createdUs: nowUs(), state: "READY" });
    this.persistence.sandboxChanged(id);
    await this.saved();
    return id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    const sandbox = this.sandboxes.get(id);
    if (sandbox === undefined) return;
    for (const c of this.containersOf(id)) c.kill();
    sandbox.state = "NOTREADY";
    this.persistence.sandboxChanged(id);
    await this.saved();
  }

  async removePodSandbox(id: string): Promise<void> {
    const sandbox = this.sandboxes.get(id);
    if (sandbox === undefined) return;
    for (const c of this.containersOf(id)) this.dropContainer(c);
    this.sandboxes.delete(id);
    this.sandboxLabels.remove(sandbox, sandbox.labels);
    this.persistence.sandboxChanged(id);
    await this.saved();
  }

  sandbox(id: string): SandboxRecord {
    const sandbox = this.sandboxes.get(id);
    if (sandbox === undefined)
      throw new NotFoundError(`pod sandbox ${JSON.stringify(id)} not found`);
    return sandbox;
  }

  /** Oldest first. */
  listSandboxes(filter: SandboxFilter = {}): SandboxRecord[] {
    const candidates: Iterable<SandboxRecord | undefined> =
      filter.id !== undefined
        ? [this.sandboxes.get(filter.id)]
        : (this.selectable(this.sandboxLabels, filter.labels) ?? this.sandboxes.values());
    const out: SandboxRecord[] = [];
    for (const s of candidates)
      if (
        s !== undefined &&
        (filter.state === undefined || s.state === filter.state) &&
        hasLabels(s.labels, filter.labels)
      )
        out.push(s);
    return out;
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
    this.addContainer(record, new ContainerLog());
    this.persistence.containerChanged(id);
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

  /** Oldest first. */
  listContainers(filter: ContainerFilter = {}): ContainerRecord[] {
    const candidates: Iterable<SimulatedContainer | undefined> =
      filter.id !== undefined
        ? [this.containers.get(filter.id)]
        : filter.sandboxId !== undefined
          ? (this.containersBySandbox.get(filter.sandboxId) ?? [])
          : (this.selectable(this.containerLabels, filter.labels) ?? this.containers.values());
    const out: ContainerRecord[] = [];
    for (const container of candidates) {
      if (container === undefined) continue;
      const c = container.record;
      if (
        (filter.sandboxId === undefined || c.sandboxId === filter.sandboxId) &&
        (filter.state === undefined || c.state === filter.state) &&
        hasLabels(c.labels, filter.labels)
      )
        out.push(c);
    }
    return out;
  }

  // Images

  async pullImage(reference: string): Promise<ImageRecord> {
    if (reference === "") throw new InvalidRequestError("image.image", "is required");
    if (this.options.pullDelayMs > 0) await this.wait(this.options.pullDelayMs);
    const present = this.images.find(reference) !== undefined;
    const image = this.images.pull(reference, nowUs());
    if (!present) this.persistence.imageChanged(image.id);
    // Also when present: a concurrent pull of it may not be saved yet.
    await this.saved();
    return image;
  }

  async removeImage(referenceOrId: string): Promise<void> {
    const removed = this.images.remove(referenceOrId);
    if (removed !== undefined) this.persistence.imageChanged(removed.id);
    await this.saved();
  }

  /** Counts for the status endpoint. */
  counts(): { sandboxes: number; containers: Record<ContainerRunState, number>; images: number } {
    const containers: Record<ContainerRunState, number> = { CREATED: 0, RUNNING: 0, EXITED: 0 };
    for (const c of this.containers.values()) containers[c.record.state]++;
    return { sandboxes: this.sandboxes.size, containers, images: this.images.size };
  }

  /** What saves read: the records as they are when the save writes them. */
  private readonly persisted: PersistedRecords = {
    sandbox: (id) => this.sandboxes.get(id),
    container: (id) => this.containers.get(id),
    image: (id) => this.images.get(id),
    all: () => ({
      sandboxes: this.sandboxes.values(),
      containers: this.containers.values(),
      images: this.images.list(),
    }),
    count: () => this.sandboxes.size + this.containers.size + this.images.size,
  };

  private addSandbox(sandbox: SandboxRecord): void {
    this.sandboxes.set(sandbox.id, sandbox);
    this.sandboxLabels.add(sandbox, sandbox.labels);
  }

  private addContainer(record: ContainerRecord, log: ContainerLog): void {
    const id = record.id;
    const c = new SimulatedContainer(record, log, {
      now: nowUs,
      changed: (urgent) => {
        this.persistence.containerChanged(id);
        if (urgent) this.persistence.saveNow();
        else this.persistence.saveSoon();
      },
    });
    this.containers.set(id, c);
    this.containerLabels.add(c, record.labels);
    let ofSandbox = this.containersBySandbox.get(record.sandboxId);
    if (ofSandbox === undefined)
      this.containersBySandbox.set(record.sandboxId, (ofSandbox = new Set()));
    ofSandbox.add(c);
  }

  /** Index candidates for a label selector; undefined when there is none to use. */
  private selectable<T>(
    index: LabelIndex<T>,
    selector: Readonly<Record<string, string>> | undefined,
  ): Iterable<T> | undefined {
    return selector === undefined ? undefined : index.candidates(selector);
  }

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
    const { id, sandboxId, labels } = c.record;
    c.kill();
    c.dispose();
    this.containers.delete(id);
    this.containerLabels.remove(c, labels);
    const ofSandbox = this.containersBySandbox.get(sandboxId);
    ofSandbox?.delete(c);
    if (ofSandbox?.size === 0) this.containersBySandbox.delete(sandboxId);
    this.persistence.containerChanged(id);
  }

  /** A copy: callers remove from the index while they go. */
  private containersOf(sandboxId: string): SimulatedContainer[] {
    return [...(this.containersBySandbox.get(sandboxId) ?? [])];
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
}

/** 64 hex digits, as Docker and containerd ids: random, so no two nodes ever collide. */
function newId(): string {
  return randomBytes(32).toString("hex");
}
