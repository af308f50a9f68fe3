// The kubelet's pod loop: watches the pods bound to its node, and for each pod runs a
// worker that makes the runtime match the spec (pod-actions.ts), reports the result
// (pod-status.ts), and on deletion stops the containers within the grace period, tears
// the network and sandbox down and deletes the object (grace 0, uid precondition).
//
// Reality is re-read, never remembered: a relist every --relist-period (Kubernetes' PLEG)
// lists the runtime's sandboxes and containers, wakes the worker of every pod whose
// containers changed, and finds pods the runtime runs that the API no longer has. A
// restarted kubelet therefore adopts what runs (labels say whose it is) and restarts
// nothing healthy. Nothing is done before the pod informer has synced: a kubelet that
// reconciled against an empty cache would kill every pod.
import { status as grpcStatus } from "@grpc/grpc-js";
import {
  hasGrpcCode,
  hasStatus,
  referenceTo,
  type ApiClient,
  type EventRecorder,
  type HandlerRegistration,
  type Logger,
  type NetworkClient,
  type RuntimeClient,
  type SharedInformer,
  type SharedInformerFactory,
} from "@k8ts/sdk";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import {
  ContainerState,
  type ContainerStatus as RuntimeContainerStatus,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import {
  containerConfig,
  podIdentity,
  sandboxConfig,
  terminationGraceSeconds,
} from "./container-config.js";
import { CrashBackoff } from "./crash-backoff.js";
import { computePodActions, type ContainerToStart } from "./pod-actions.js";
import {
  emptyRuntimeState,
  groupRuntimeState,
  hasExited,
  isRunning,
  latestRun,
  latestSandbox,
  previousRun,
  type PodRuntimeState,
} from "./pod-runtime-state.js";
import { computePodStatus, sameStatus, type WaitingReason } from "./pod-status.js";
import { POD_UID_LABEL, TERMINATION_GRACE_ANNOTATION } from "./runtime-labels.js";
import {
  ContainerChoiceError,
  ContainerNotFoundError,
  type LocatedContainer,
  type PodLocator,
} from "./server/pod-locator.js";

/** What the kubelet needs of its prober (services/kubelet/src/prober). */
export interface PodProber {
  addContainer(target: {
    pod: Pod;
    containerName: string;
    containerId: string;
    podIP: string;
    startedAtMs: number;
  }): void;
  removeContainer(podUid: string, containerName: string): void;
  removePod(podUid: string): void;
  ready(podUid: string, containerName: string, containerId?: string): boolean;
  started(podUid: string, containerName: string, containerId?: string): boolean;
  stop(): void;
}

export interface KubeletOptions {
  readonly client: ApiClient;
  readonly informers: SharedInformerFactory;
  readonly runtime: RuntimeClient;
  /** Network plugin; without one, pods that are not hostNetwork get no IP. */
  readonly network: NetworkClient | undefined;
  readonly nodeName: string;
  readonly nodeIP: string;
  /** The Node's pod CIDRs, handed to the network plugin. */
  readonly podCidrs: () => readonly string[];
  readonly recorder: EventRecorder;
  readonly logger: Logger;
  /** Interval of the runtime relist (default 1 s). */
  readonly relistPeriodMs?: number;
  /** First crash-loop back-off (default 10 s) and its cap (default 5 min). */
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
}

interface Worker {
  running: boolean;
  again: boolean;
  timer: NodeJS.Timeout | undefined;
  /** Why containers wait (image pull errors, back-off), by container name. */
  readonly waiting: Map<string, WaitingReason>;
  /** Runs the prober wants restarted: the Killing message and the grace period. */
  readonly probeFailed: Map<string, { message: string; graceSeconds: number }>;
  /** Pod IP by sandbox id. */
  readonly podIPs: Map<string, string>;
  /** Back-off-delayed retry of a failed sync (sandbox or network errors). */
  failures: number;
}

export class Kubelet implements PodLocator {
  private readonly pods: SharedInformer<Pod>;
  private readonly byUid = new Map<string, Pod>();
  private readonly workers = new Map<string, Worker>();
  /** Per pod uid, what the last relist or worker sync saw the runtime run. */
  private readonly runtimeState = new Map<string, PodRuntimeState>();
  private readonly fingerprints = new Map<string, string>();
  /** Container statuses by id; exited ones never change, running ones until listed otherwise. */
  private readonly statusCache = new Map<string, RuntimeContainerStatus>();
  private readonly crashBackoff: CrashBackoff;
  private readonly pullBackoff: CrashBackoff;
  private readonly stopping = new AbortController();
  private registration: HandlerRegistration | undefined;
  private relistTimer: NodeJS.Timeout | undefined;
  private relisting = false;
  /** Workers run only once start() has relisted the runtime and collected network garbage. */
  private ready = false;
  private runtimeName = "k8ts";
  private prober: PodProber | undefined;
  /** Pods currently being worked on, for shutdown. */
  private readonly inFlight = new Set<Promise<void>>();
  readonly metrics = { syncs: 0, statusWrites: 0, relists: 0, containersStarted: 0 };

  constructor(private readonly o: KubeletOptions) {
    this.pods = o.informers.informer("Pod", { fieldSelector: `spec.nodeName=${o.nodeName}` });
    this.crashBackoff = new CrashBackoff(o.backoffInitialMs ?? 10_000, o.backoffMaxMs ?? 300_000);
    this.pullBackoff = new CrashBackoff(o.backoffInitialMs ?? 10_000, o.backoffMaxMs ?? 300_000);
  }

  /** The prober is built after the kubelet (it calls back into it); set it before start. */
  setProber(prober: PodProber): void {
    this.prober = prober;
  }

  synced(): boolean {
    return this.pods.hasSynced();
  }

  /** Number of pods this kubelet knows, and of those the runtime runs. */
  counts(): { pods: number; runtimePods: number } {
    return { pods: this.byUid.size, runtimePods: this.runtimeState.size };
  }

  /** Starts watching pods (the informer factory must be started by the caller). */
  async start(signal: AbortSignal): Promise<void> {
    const version = await this.o.runtime.version();
    this.runtimeName = version.runtimeName || "k8ts";
    this.registration = this.pods.addEventHandler({
      onAdd: (p) => this.observe(p),
      onUpdate: (_o, p) => this.observe(p),
      onDelete: (p) => {
        const uid = p.metadata?.uid ?? "";
        this.byUid.delete(uid);
        this.trigger(uid);
      },
    });
    await this.pods.waitForSync(signal);
    await this.relist();
    // Before any worker runs: a sandbox created meanwhile would not be in the valid set.
    await this.collectNetworkGarbage();
    this.ready = true;
    for (const uid of this.byUid.keys()) this.trigger(uid);
    this.scheduleRelist();
  }

  /**
   * Network GC (CNI GC): the plugin releases what it holds for sandboxes the runtime no
   * longer has (removed while the kubelet was down, or by someone else). Best-effort.
   */
  private async collectNetworkGarbage(): Promise<void> {
    const network = this.o.network;
    if (network === undefined) return;
    const valid = [...this.runtimeState.values()].flatMap((s) => s.sandboxes.map((x) => x.id));
    try {
      const released = await network.gc(valid);
      if (released.length > 0)
        this.o.logger.info({ released }, "network plugin released sandboxes that are gone");
    } catch (e) {
      this.o.logger.warn({ err: e }, "network GC failed; continuing");
    }
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearTimeout(this.relistTimer);
    this.registration?.remove();
    for (const w of this.workers.values()) clearTimeout(w.timer);
    this.prober?.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Called by the prober: run `containerId` of the pod failed liveness (or startup). */
  probeFailed(podUid: string, containerId: string, message: string, graceSeconds: number): void {
    this.worker(podUid).probeFailed.set(containerId, { message, graceSeconds });
    this.trigger(podUid);
  }

  /** Called by the prober when readiness or started changed. */
  probeChanged(podUid: string): void {
    this.trigger(podUid);
  }

  // --- PodLocator (for the Logs/Exec server) ---

  locate(namespace: string, name: string, container: string, previous: boolean): LocatedContainer {
    const pod = this.pods.lister.get(namespace, name);
    if (pod === undefined)
      throw new ContainerNotFoundError(`pod "${name}" not found on node ${this.o.nodeName}`);
    const names = [
      ...(pod.spec?.initContainers ?? []).map((c) => c.name),
      ...(pod.spec?.containers ?? []).map((c) => c.name),
    ];
    let chosen = container;
    if (chosen === "") {
      const regular = (pod.spec?.containers ?? []).map((c) => c.name);
      if (regular.length !== 1)
        throw new ContainerChoiceError(
          `a container name must be specified for pod ${name}, choose one of: [${names.join(" ")}]`,
        );
      chosen = regular[0] ?? "";
    } else if (!names.includes(chosen)) {
      throw new ContainerNotFoundError(`container ${chosen} is not valid for pod ${name}`);
    }
    const state = this.runtimeState.get(pod.metadata?.uid ?? "");
    const run =
      state === undefined
        ? undefined
        : previous
          ? previousRun(state, chosen)
          : latestRun(state, chosen);
    if (run === undefined)
      throw new ContainerNotFoundError(
        previous
          ? `previous terminated container "${chosen}" in pod "${name}" not found`
          : `container "${chosen}" in pod "${name}" is waiting to start`,
      );
    return { containerId: run.id, containerName: chosen, running: isRunning(run) };
  }

  // --- events and relist ---

  private observe(pod: Pod): void {
    const uid = pod.metadata?.uid ?? "";
    if (uid === "") return;
    const known = this.byUid.get(uid)?.metadata?.resourceVersion;
    this.byUid.set(uid, pod);
    // The echo of our own status write changes nothing the worker has not seen.
    if (known !== undefined && known === pod.metadata?.resourceVersion) return;
    if (this.pods.hasSynced()) this.trigger(uid);
  }

  private scheduleRelist(): void {
    if (this.stopping.signal.aborted) return;
    this.relistTimer = setTimeout(() => {
      void this.relist()
        .catch((e: unknown) => {
          if (!this.stopping.signal.aborted)
            this.o.logger.warn({ err: e }, "runtime relist failed; retrying");
        })
        .finally(() => this.scheduleRelist());
    }, this.o.relistPeriodMs ?? 1000);
  }

  /** Lists what the runtime runs; wakes workers of pods whose containers changed. */
  private async relist(): Promise<void> {
    if (this.relisting) return;
    this.relisting = true;
    try {
      const [sandboxes, containers] = await Promise.all([
        this.o.runtime.listPodSandbox(),
        this.o.runtime.listContainers(),
      ]);
      const statuses = await this.statusesOf(containers);
      const grouped = groupRuntimeState(sandboxes, containers, statuses);
      this.metrics.relists++;
      const seen = new Set<string>();
      for (const [uid, state] of grouped) {
        seen.add(uid);
        // A worker may be mid-sync; its own fresh read wins, the relist only wakes it.
        if (!this.workers.get(uid)?.running) this.runtimeState.set(uid, state);
        const print = fingerprint(state);
        if (this.fingerprints.get(uid) !== print) {
          this.fingerprints.set(uid, print);
          this.trigger(uid);
        } else if (!this.byUid.has(uid)) {
          // Runs in the runtime but no pod in the API: clean it up (retried each relist).
          this.trigger(uid);
        }
      }
      for (const uid of [...this.fingerprints.keys()])
        if (!seen.has(uid)) {
          this.fingerprints.delete(uid);
          if (!this.workers.get(uid)?.running) this.runtimeState.delete(uid);
          this.trigger(uid);
        }
      for (const id of [...this.statusCache.keys()])
        if (!containers.some((c) => c.id === id)) this.statusCache.delete(id);
    } finally {
      this.relisting = false;
    }
  }

  /** ContainerStatus of each container, from the cache unless its state changed. */
  private async statusesOf(
    containers: readonly { id: string; state: ContainerState }[],
  ): Promise<Map<string, RuntimeContainerStatus>> {
    const out = new Map<string, RuntimeContainerStatus>();
    await Promise.all(
      containers.map(async (c) => {
        const cached = this.statusCache.get(c.id);
        if (cached !== undefined && cached.state === c.state) {
          out.set(c.id, cached);
          return;
        }
        try {
          const s = await this.o.runtime.containerStatus(c.id);
          this.statusCache.set(c.id, s);
          out.set(c.id, s);
        } catch (e) {
          if (!hasGrpcCode(e, grpcStatus.NOT_FOUND)) throw e;
        }
      }),
    );
    return out;
  }

  /** What the runtime runs for one pod, read now. */
  private async readPodState(uid: string): Promise<PodRuntimeState> {
    const selector = { [POD_UID_LABEL]: uid };
    const [sandboxes, containers] = await Promise.all([
      this.o.runtime.listPodSandbox({ id: "", state: 0, labelSelector: selector }),
      this.o.runtime.listContainers({
        id: "",
        podSandboxId: "",
        state: 0,
        labelSelector: selector,
      }),
    ]);
    const statuses = await this.statusesOf(containers);
    const state =
      groupRuntimeState(sandboxes, containers, statuses).get(uid) ?? emptyRuntimeState(uid);
    if (state.sandboxes.length === 0 && state.containers.size === 0) {
      this.runtimeState.delete(uid);
      this.fingerprints.delete(uid);
    } else {
      this.runtimeState.set(uid, state);
      this.fingerprints.set(uid, fingerprint(state));
    }
    return state;
  }

  // --- workers ---

  private worker(uid: string): Worker {
    let w = this.workers.get(uid);
    if (w === undefined) {
      w = {
        running: false,
        again: false,
        timer: undefined,
        waiting: new Map(),
        probeFailed: new Map(),
        podIPs: new Map(),
        failures: 0,
      };
      this.workers.set(uid, w);
    }
    return w;
  }

  /** Makes the pod's worker sync soon (coalescing triggers while it runs). */
  private trigger(uid: string): void {
    if (uid === "" || this.stopping.signal.aborted || !this.ready) return;
    const w = this.worker(uid);
    if (w.running) {
      w.again = true;
      return;
    }
    clearTimeout(w.timer);
    w.timer = undefined;
    w.running = true;
    const run = (async () => {
      try {
        do {
          w.again = false;
          await this.syncOnce(uid, w);
        } while (w.again && !this.stopping.signal.aborted);
        w.failures = 0;
      } catch (e) {
        if (this.stopping.signal.aborted) return;
        w.failures++;
        const delay = Math.min(500 * 2 ** Math.min(w.failures, 6), 30_000);
        this.o.logger.warn({ err: e, podUid: uid, retryInMs: delay }, "pod sync failed");
        this.wakeAfter(uid, w, delay);
      } finally {
        w.running = false;
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  private wakeAfter(uid: string, w: Worker, ms: number): void {
    if (this.stopping.signal.aborted) return;
    clearTimeout(w.timer);
    w.timer = setTimeout(() => {
      w.timer = undefined;
      this.trigger(uid);
    }, ms);
  }

  private async syncOnce(uid: string, w: Worker): Promise<void> {
    this.metrics.syncs++;
    const pod = this.byUid.get(uid);
    const state = await this.readPodState(uid);
    if (pod === undefined) {
      // Gone from the API (deleted with grace 0, or never ours): stop and remove what runs.
      if (state.sandboxes.length > 0 || state.containers.size > 0) {
        const grace = graceFromLabels(state, this.statusCache);
        await this.teardown(undefined, state, grace);
      }
      this.forget(uid);
      return;
    }
    if (pod.metadata?.deletionTimestamp !== undefined) {
      await this.terminate(pod, state, w);
      return;
    }
    if (pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") {
      // Finished: nothing runs again; stop what still does, keep containers for logs.
      if (latestSandbox(state)?.ready === true || anyRunning(state))
        await this.killPod(pod, state, w, 0);
      this.prober?.removePod(uid);
      return;
    }
    await this.syncRunning(pod, state, w);
  }

  private async syncRunning(pod: Pod, initial: PodRuntimeState, w: Worker): Promise<void> {
    const uid = pod.metadata?.uid ?? "";
    const now = Date.now();
    const actions = computePodActions(pod, initial, {
      now,
      backoffRemaining: (name, since) => this.crashBackoff.remaining(`${uid}/${name}`, since, now),
      backoffDelay: (name) => this.crashBackoff.delay(`${uid}/${name}`),
      probeFailed: (id) => w.probeFailed.has(id),
    });
    let state = initial;
    let changed = false;
    if (actions.killPod) {
      await this.killPod(pod, state, w, terminationGraceSeconds(pod));
      changed = true;
    }
    for (const k of actions.killContainers) {
      const failure = w.probeFailed.get(k.record.id);
      this.event(pod, "Normal", "Killing", failure?.message ?? k.message, k.record.name);
      const grace = failure?.graceSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      await this.o.runtime.stopContainer(k.record.id, grace);
      w.probeFailed.delete(k.record.id);
      this.prober?.removeContainer(uid, k.record.name);
      changed = true;
    }
    for (const r of actions.removeContainers) {
      await this.o.runtime.removeContainer(r.id);
      changed = true;
    }
    let sandboxId = latestSandbox(state)?.ready === true ? latestSandbox(state)?.id : undefined;
    if (actions.createSandbox !== undefined) {
      sandboxId = await this.createSandbox(pod, actions.createSandbox, w);
      changed = true;
    }
    for (const b of actions.backingOff) {
      const message = `back-off ${Math.round(b.delayMs / 1000)}s restarting failed container=${b.name} pod=${pod.metadata?.name}_${pod.metadata?.namespace}(${uid})`;
      const before = w.waiting.get(b.name);
      w.waiting.set(b.name, { reason: "CrashLoopBackOff", message });
      if (before?.reason !== "CrashLoopBackOff" || before.message !== message)
        this.event(
          pod,
          "Warning",
          "BackOff",
          `Back-off restarting failed container ${b.name} in pod ${pod.metadata?.name}_${pod.metadata?.namespace}(${uid})`,
          b.name,
        );
      this.wakeAfter(uid, w, b.remainingMs + 10);
    }
    if (sandboxId !== undefined) {
      const podIP = await this.podIPOf(pod, sandboxId, w);
      for (const start of actions.startContainers) {
        if (this.stopping.signal.aborted) break;
        if (await this.startContainer(pod, sandboxId, podIP, start, w)) changed = true;
      }
    }
    if (changed) state = await this.readPodState(uid);
    await this.syncProbes(pod, state, w);
    await this.writeStatus(pod, state, w);
    this.collectGarbage(state);
  }

  private async createSandbox(pod: Pod, attempt: number, w: Worker): Promise<string> {
    const config = sandboxConfig(pod, attempt);
    const id = await this.o.runtime.runPodSandbox(config);
    if (pod.spec?.hostNetwork === true || this.o.network === undefined) {
      w.podIPs.set(id, pod.spec?.hostNetwork === true ? this.o.nodeIP : "");
      return id;
    }
    try {
      await this.addNetwork(pod, id, w);
    } catch (e) {
      this.event(
        pod,
        "Warning",
        "FailedCreatePodSandBox",
        `Failed to create pod sandbox: network: ${errorMessage(e)}`,
      );
      await this.o.runtime.stopPodSandbox(id);
      await this.o.runtime.removePodSandbox(id);
      throw e;
    }
    return id;
  }

  /** Network Add (idempotent per sandbox): the pod IP of the sandbox. */
  private async addNetwork(pod: Pod, sandboxId: string, w: Worker): Promise<string> {
    const network = this.o.network;
    if (network === undefined) return "";
    const status = await this.o.runtime.podSandboxStatus(sandboxId);
    const id = podIdentity(pod);
    const result = await network.add({
      sandboxId,
      netnsPath: status.netnsPath,
      interfaceName: "eth0",
      pod: { namespace: id.namespace, name: id.name, uid: id.uid },
      podCidrs: [...this.o.podCidrs()],
    });
    const ip = (result.ips[0]?.address ?? "").split("/")[0] ?? "";
    w.podIPs.set(sandboxId, ip);
    return ip;
  }

  private async podIPOf(pod: Pod, sandboxId: string, w: Worker): Promise<string> {
    if (pod.spec?.hostNetwork === true) return this.o.nodeIP;
    const known = w.podIPs.get(sandboxId);
    if (known !== undefined) return known;
    // Adopted sandbox (kubelet restart): Add is idempotent and answers its address again.
    return this.addNetwork(pod, sandboxId, w);
  }

  /** Pulls (if needed), creates and starts one container; false if it had to wait. */
  private async startContainer(
    pod: Pod,
    sandboxId: string,
    podIP: string,
    start: ContainerToStart,
    w: Worker,
  ): Promise<boolean> {
    const uid = pod.metadata?.uid ?? "";
    const name = start.container.name;
    const image = start.container.image;
    const now = Date.now();
    const pullKey = `${uid}/${name}`;
    if ((await this.o.runtime.imageStatus(image)) === undefined) {
      const wait = this.pullBackoff.remaining(pullKey, now, now);
      if (wait > 0 && w.waiting.get(name)?.reason !== undefined) {
        w.waiting.set(name, {
          reason: "ImagePullBackOff",
          message: `Back-off pulling image "${image}"`,
        });
        this.wakeAfter(uid, w, wait + 10);
        return false;
      }
      this.event(pod, "Normal", "Pulling", `Pulling image "${image}"`, name);
      const began = Date.now();
      try {
        await this.o.runtime.pullImage(image);
      } catch (e) {
        this.pullBackoff.next(pullKey, Date.now());
        const message = `Failed to pull image "${image}": ${errorMessage(e)}`;
        this.event(pod, "Warning", "Failed", message, name);
        w.waiting.set(name, { reason: "ErrImagePull", message });
        this.wakeAfter(uid, w, this.pullBackoff.delay(pullKey) + 10);
        return false;
      }
      this.event(
        pod,
        "Normal",
        "Pulled",
        `Successfully pulled image "${image}" in ${Date.now() - began}ms`,
        name,
      );
    }
    const config = containerConfig(pod, start.container, start.type, start.restartCount, {
      podIP,
      hostIP: this.o.nodeIP,
    });
    let id: string;
    try {
      id = await this.o.runtime.createContainer(sandboxId, config, sandboxConfig(pod, 0));
    } catch (e) {
      const message = errorMessage(e);
      this.event(pod, "Warning", "Failed", `Error: ${message}`, name);
      w.waiting.set(name, { reason: "CreateContainerError", message });
      this.wakeAfter(uid, w, 2000);
      return false;
    }
    this.event(pod, "Normal", "Created", `Created container ${name}`, name);
    try {
      await this.o.runtime.startContainer(id);
    } catch (e) {
      const message = errorMessage(e);
      this.event(pod, "Warning", "Failed", `Error: ${message}`, name);
      w.waiting.set(name, { reason: "RunContainerError", message });
      this.wakeAfter(uid, w, 2000);
      return true;
    }
    this.event(pod, "Normal", "Started", `Started container ${name}`, name);
    this.metrics.containersStarted++;
    if (start.previous !== undefined && hasExited(start.previous))
      this.crashBackoff.next(`${uid}/${name}`, Date.now());
    w.waiting.delete(name);
    return true;
  }

  /** Stops every running container (with `grace` seconds), the network and the sandbox. */
  private async killPod(pod: Pod, state: PodRuntimeState, w: Worker, grace: number): Promise<void> {
    await this.stopContainers(pod, state, grace);
    const uid = pod.metadata?.uid ?? "";
    for (const s of state.sandboxes) {
      if (!s.ready) continue;
      await this.delNetwork(pod, s.id);
      w.podIPs.delete(s.id);
      await this.o.runtime.stopPodSandbox(s.id);
    }
    this.prober?.removePod(uid);
  }

  private async stopContainers(
    pod: Pod | undefined,
    state: PodRuntimeState,
    grace: number,
  ): Promise<void> {
    const running = [...state.containers.values()].flatMap((runs) =>
      runs.filter((r) => isRunning(r) || r.state === ContainerState.CONTAINER_STATE_CREATED),
    );
    await Promise.all(
      running.map(async (r) => {
        if (pod !== undefined && isRunning(r))
          this.event(pod, "Normal", "Killing", `Stopping container ${r.name}`, r.name);
        await this.o.runtime.stopContainer(r.id, grace);
      }),
    );
  }

  private async delNetwork(pod: Pod | undefined, sandboxId: string): Promise<void> {
    if (this.o.network === undefined || pod?.spec?.hostNetwork === true) return;
    const status = await this.o.runtime.podSandboxStatus(sandboxId).catch((e: unknown) => {
      if (hasGrpcCode(e, grpcStatus.NOT_FOUND)) return undefined;
      throw e;
    });
    await this.o.network.del({
      sandboxId,
      netnsPath: status?.netnsPath ?? "",
      interfaceName: "eth0",
      pod: pod === undefined ? undefined : { ...podIdentity(pod) },
    });
  }

  /** Stops and removes everything of a pod (deleted, or gone from the API). */
  private async teardown(
    pod: Pod | undefined,
    state: PodRuntimeState,
    grace: number,
  ): Promise<void> {
    await this.stopContainers(pod, state, grace);
    for (const s of state.sandboxes) {
      await this.delNetwork(pod, s.id);
      await this.o.runtime.stopPodSandbox(s.id);
      await this.o.runtime.removePodSandbox(s.id);
    }
    // Containers whose sandbox record is already gone.
    for (const runs of state.containers.values())
      for (const r of runs) await this.o.runtime.removeContainer(r.id);
    this.prober?.removePod(state.uid);
  }

  /** Graceful deletion (ARCHITECTURE section 3): stop, tear down, delete with grace 0. */
  private async terminate(pod: Pod, state: PodRuntimeState, w: Worker): Promise<void> {
    const uid = pod.metadata?.uid ?? "";
    await this.teardown(pod, state, terminationGraceSeconds(pod));
    w.podIPs.clear();
    try {
      await this.o.client.kind("Pod").delete(pod.metadata?.name ?? "", {
        namespace: pod.metadata?.namespace ?? "",
        options: { gracePeriodSeconds: 0, preconditions: { uid, resourceVersion: "" } },
      });
    } catch (e) {
      // Already gone, or replaced by a new pod of the same name: nothing of ours left.
      if (!hasStatus(e, grpcStatus.NOT_FOUND) && !hasStatus(e, grpcStatus.ABORTED)) throw e;
    }
  }

  private forget(uid: string): void {
    const w = this.workers.get(uid);
    if (w !== undefined) clearTimeout(w.timer);
    this.workers.delete(uid);
    this.runtimeState.delete(uid);
    this.fingerprints.delete(uid);
    this.crashBackoff.forgetPrefix(`${uid}/`);
    this.pullBackoff.forgetPrefix(`${uid}/`);
    this.prober?.removePod(uid);
  }

  private async syncProbes(pod: Pod, state: PodRuntimeState, w: Worker): Promise<void> {
    const prober = this.prober;
    if (prober === undefined) return;
    const uid = pod.metadata?.uid ?? "";
    const sandbox = latestSandbox(state);
    const podIP = sandbox === undefined ? "" : await this.podIPOf(pod, sandbox.id, w);
    for (const c of [...(pod.spec?.containers ?? [])]) {
      const run = latestRun(state, c.name);
      if (run !== undefined && isRunning(run))
        prober.addContainer({
          pod,
          containerName: c.name,
          containerId: run.id,
          podIP,
          startedAtMs: Math.floor(run.startedAt / 1e6),
        });
      else prober.removeContainer(uid, c.name);
    }
    for (const id of [...w.probeFailed.keys()])
      if (
        ![...state.containers.values()].some((runs) =>
          runs.some((r) => r.id === id && isRunning(r)),
        )
      )
        w.probeFailed.delete(id);
  }

  private async writeStatus(pod: Pod, state: PodRuntimeState, w: Worker): Promise<void> {
    const uid = pod.metadata?.uid ?? "";
    const sandbox = latestSandbox(state);
    const podIP =
      pod.spec?.hostNetwork === true
        ? this.o.nodeIP
        : sandbox === undefined
          ? (pod.status?.podIP ?? "")
          : (w.podIPs.get(sandbox.id) ?? pod.status?.podIP ?? "");
    // Waiting reasons outlive their cause only until the container runs again.
    for (const name of [...w.waiting.keys()])
      if (isRunning(latestRun(state, name))) w.waiting.delete(name);
    let current = pod;
    for (let attempt = 0; attempt < 5; attempt++) {
      const status = computePodStatus(current, state, {
        runtimeName: this.runtimeName,
        podIP,
        hostIP: this.o.nodeIP,
        now: new Date(),
        waiting: (name) => w.waiting.get(name),
        ready: (name, id) => this.prober?.ready(uid, name, id) ?? true,
        started: (name, id) => this.prober?.started(uid, name, id) ?? true,
      });
      if (sameStatus(current.status, status)) return;
      try {
        const written = await this.o.client
          .kind("Pod")
          .updateStatus(Pod.fromPartial({ ...current, status }));
        this.metrics.statusWrites++;
        this.byUid.set(uid, written);
        return;
      } catch (e) {
        if (hasStatus(e, grpcStatus.NOT_FOUND)) return;
        if (!hasStatus(e, grpcStatus.ABORTED)) throw e;
        current = await this.o.client
          .kind("Pod")
          .get(pod.metadata?.name ?? "", { namespace: pod.metadata?.namespace ?? "" });
        if (current.metadata?.uid !== uid || current.metadata.deletionTimestamp !== undefined)
          return;
      }
    }
  }

  /** Keeps the newest two runs of each container (current and previous); removes older ones. */
  private collectGarbage(state: PodRuntimeState): void {
    const old = [...state.containers.values()].flatMap((runs) =>
      runs.slice(2).filter((r) => hasExited(r)),
    );
    const kept = new Set(
      [...state.containers.values()].flatMap((runs) => runs.slice(0, 2).map((r) => r.sandboxId)),
    );
    const oldSandboxes = state.sandboxes.slice(1).filter((s) => !s.ready && !kept.has(s.id));
    if (old.length === 0 && oldSandboxes.length === 0) return;
    void (async () => {
      for (const r of old) await this.o.runtime.removeContainer(r.id);
      for (const s of oldSandboxes) await this.o.runtime.removePodSandbox(s.id);
    })().catch((e: unknown) =>
      this.o.logger.warn({ err: e }, "container garbage collection failed"),
    );
  }

  private event(
    pod: Pod,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
    container = "",
  ): void {
    const fieldPath = container === "" ? "" : `spec.containers{${container}}`;
    this.o.recorder.event(referenceTo("Pod", pod, fieldPath), type, reason, message);
  }
}

function anyRunning(state: PodRuntimeState): boolean {
  for (const runs of state.containers.values()) if (runs.some((r) => isRunning(r))) return true;
  return false;
}

/** What changes about a pod's runtime state that its worker must look at. */
function fingerprint(state: PodRuntimeState): string {
  const parts: string[] = state.sandboxes.map((s) => `${s.id}:${s.ready}`);
  for (const [name, runs] of state.containers)
    for (const r of runs) parts.push(`${name}:${r.id}:${r.state}`);
  return parts.sort().join(",");
}

/** The grace period recorded on a pod's containers when its object is gone. */
function graceFromLabels(
  state: PodRuntimeState,
  statuses: ReadonlyMap<string, RuntimeContainerStatus>,
): number {
  for (const runs of state.containers.values())
    for (const r of runs) {
      const n = Number(statuses.get(r.id)?.annotations[TERMINATION_GRACE_ANNOTATION]);
      if (Number.isInteger(n) && n >= 0) return n;
    }
  return 30;
}

function errorMessage(e: unknown): string {
  if (e instanceof Error) {
    const details = (e as { details?: unknown }).details;
    return typeof details === "string" && details !== "" ? details : e.message;
  }
  return String(e);
}
