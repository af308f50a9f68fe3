// A small stand-in for the kubelet, for tests and benchmarks of the controllers (until the
// real kubelet runs pods): it registers Nodes, renews their Leases in kube-node-lease, marks
// pods bound to them Running (and Ready unless told otherwise) with a pod IP, and finishes
// the deletion of their terminating pods (grace 0, uid precondition) as a kubelet does.
// A node can be "killed" (no more Lease renewals, no more pod work) and revived.
import {
  ApiStatusError,
  SharedInformerFactory,
  objectKey,
  type ApiClient,
  type HandlerRegistration,
} from "@k8ts/sdk";
import { Lease } from "@k8ts/sdk/gen/k8ts/api/v1/lease.js";
import { Node } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { status as grpcStatus } from "@grpc/grpc-js";

export interface TestKubeletOptions {
  readonly client: ApiClient;
  /** Nodes this kubelet registers and runs. */
  readonly nodes: readonly string[];
  /** Labels per node (e.g. a zone), besides kubernetes.io/hostname. */
  readonly nodeLabels?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Allocatable of each node (default 64 cpu, 256Gi memory, 1000 pods). */
  readonly capacity?: { cpu?: string; memory?: string; pods?: string };
  /** Whether a running pod is Ready (default: every pod). Re-evaluated by refresh(). */
  readonly ready?: (pod: Pod) => boolean;
  /** Lease renewal interval (default 500 ms). */
  readonly leaseRenewMs?: number;
}

export class TestKubelet {
  private readonly factory: SharedInformerFactory;
  private readonly stop = new AbortController();
  private readonly dead = new Set<string>();
  private readonly nodeIndex = new Map<string, number>();
  private readonly nextIp = new Map<string, number>();
  private readonly busy = new Set<string>();
  private registration: HandlerRegistration | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private ready: (pod: Pod) => boolean;
  /** Errors of status writes and deletes other than conflicts and not-found (each retried). */
  readonly errors: unknown[] = [];

  private constructor(private readonly o: TestKubeletOptions) {
    this.factory = new SharedInformerFactory(o.client);
    this.ready = o.ready ?? (() => true);
    o.nodes.forEach((n, i) => this.nodeIndex.set(n, i + 1));
  }

  static async start(options: TestKubeletOptions): Promise<TestKubelet> {
    const k = new TestKubelet(options);
    for (const name of options.nodes) await k.registerNode(name);
    await Promise.all(options.nodes.map((n) => k.renew(n)));
    k.renewTimer = setInterval(() => {
      for (const n of options.nodes) if (!k.dead.has(n)) void k.renew(n);
    }, options.leaseRenewMs ?? 500);
    const pods = k.factory.informer("Pod");
    k.registration = pods.addEventHandler({
      onAdd: (p) => k.sync(p),
      onUpdate: (_o, p) => k.sync(p),
    });
    k.factory.start(k.stop.signal);
    await pods.waitForSync(k.stop.signal);
    return k;
  }

  /** Stops renewing `node`'s Lease and working on its pods, as if the node died. */
  kill(node: string): void {
    this.dead.add(node);
  }

  /**
   * The node is back: renews its Lease, posts Ready=True again (as a kubelet's node status
   * sync does) and works on its pods again.
   */
  async revive(node: string): Promise<void> {
    this.dead.delete(node);
    await this.renew(node);
    await this.postReady(node);
    this.refresh();
  }

  /** Sets the Node's Ready condition to True (retrying conflicts with status writers). */
  private async postReady(name: string): Promise<void> {
    const nodes = this.o.client.kind("Node");
    for (let attempt = 0; attempt < 10; attempt++) {
      const node = await nodes.get(name);
      const now = new Date();
      const others = (node.status?.conditions ?? []).filter((c) => c.type !== "Ready");
      const next = Node.fromPartial({
        ...node,
        status: {
          ...node.status,
          conditions: [
            ...others,
            {
              type: "Ready",
              status: "True",
              reason: "KubeletReady",
              message: "test kubelet is posting ready status",
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
        },
      });
      try {
        await nodes.updateStatus(next);
        return;
      } catch (e) {
        if (!(e instanceof ApiStatusError && e.code === grpcStatus.ABORTED)) throw e;
      }
    }
  }

  /** Changes which pods are Ready and applies it to every running pod. */
  setReady(ready: (pod: Pod) => boolean): void {
    this.ready = ready;
    this.refresh();
  }

  /** Looks at every pod again (after setReady or revive). */
  refresh(): void {
    const pods = this.factory.informer("Pod");
    if (!pods.hasSynced()) return;
    for (const p of pods.lister.list()) this.sync(p);
  }

  async close(): Promise<void> {
    clearInterval(this.renewTimer);
    this.registration?.remove();
    this.stop.abort();
    await this.factory.whenStopped();
  }

  private async registerNode(name: string): Promise<void> {
    const c = this.o.capacity ?? {};
    const resources = {
      cpu: c.cpu ?? "64",
      memory: c.memory ?? "256Gi",
      pods: c.pods ?? "1000",
    };
    const node = Node.fromPartial({
      metadata: {
        name,
        labels: { "kubernetes.io/hostname": name, ...this.o.nodeLabels?.[name] },
      },
      status: {
        capacity: Object.fromEntries(Object.entries(resources).map(([k, v]) => [k, { string: v }])),
        allocatable: Object.fromEntries(
          Object.entries(resources).map(([k, v]) => [k, { string: v }]),
        ),
        conditions: [
          {
            type: "Ready",
            status: "True",
            reason: "KubeletReady",
            message: "test kubelet is posting ready status",
            lastHeartbeatTime: new Date(),
            lastTransitionTime: new Date(),
          },
        ],
        addresses: [{ type: "InternalIP", address: "127.0.0.1" }],
      },
    });
    try {
      await this.o.client.kind("Node").create(node);
    } catch (e) {
      if (!(e instanceof ApiStatusError && e.code === grpcStatus.ALREADY_EXISTS)) throw e;
    }
  }

  private async renew(node: string): Promise<void> {
    const leases = this.o.client.kind("Lease");
    try {
      const current = await leases.get(node, { namespace: "kube-node-lease" }).catch((e) => {
        if (e instanceof ApiStatusError && e.code === grpcStatus.NOT_FOUND) return undefined;
        throw e;
      });
      const spec = { holderIdentity: node, leaseDurationSeconds: 40, renewTime: new Date() };
      if (current === undefined)
        await leases.create(
          Lease.fromPartial({ metadata: { name: node, namespace: "kube-node-lease" }, spec }),
        );
      else
        await leases.update(Lease.fromPartial({ ...current, spec: { ...current.spec, ...spec } }));
    } catch (e) {
      if (!this.stop.signal.aborted && !isBenign(e)) this.errors.push(e);
    }
  }

  private sync(pod: Pod): void {
    const node = pod.spec?.nodeName ?? "";
    if (!this.nodeIndex.has(node) || this.dead.has(node)) return;
    const key = objectKey(pod);
    if (this.busy.has(key)) return;
    this.busy.add(key);
    void this.act(pod, node)
      .catch((e: unknown) => {
        if (this.stop.signal.aborted || isBenign(e)) return;
        // A kubelet retries its status sync: a write lost to a busy apiserver (a deadline,
        // UNAVAILABLE) is tried again rather than leaving the pod unreported forever.
        this.errors.push(e);
        setTimeout(() => {
          if (this.stop.signal.aborted) return;
          const latest = this.factory.informer("Pod").lister.getByKey(key);
          if (latest !== undefined) this.sync(latest);
        }, 500).unref();
      })
      .finally(() => {
        this.busy.delete(key);
        // A change that arrived while this one was written is looked at again.
        const latest = this.factory.informer("Pod").lister.getByKey(key);
        if (
          latest !== undefined &&
          latest.metadata?.resourceVersion !== pod.metadata?.resourceVersion
        )
          this.sync(latest);
      });
  }

  private async act(pod: Pod, node: string): Promise<void> {
    const meta = pod.metadata;
    const pods = this.o.client.kind("Pod");
    if (meta?.deletionTimestamp !== undefined) {
      await pods.delete(meta.name, {
        namespace: meta.namespace,
        options: { gracePeriodSeconds: 0, preconditions: { uid: meta.uid, resourceVersion: "" } },
      });
      return;
    }
    const ready = this.ready(pod);
    const status = pod.status;
    const readyNow = status?.conditions.find((c) => c.type === "Ready")?.status === "True";
    if (status?.phase === "Running" && readyNow === ready) return;
    const now = new Date();
    const podIP = status?.podIP !== undefined && status.podIP !== "" ? status.podIP : this.ip(node);
    const condition = (type: string, ok: boolean) => ({
      type,
      status: ok ? "True" : "False",
      lastTransitionTime: now,
      reason: ok ? "" : "ContainersNotReady",
      message: "",
    });
    const next = Pod.fromPartial({
      ...pod,
      status: {
        ...status,
        phase: "Running",
        hostIP: "127.0.0.1",
        podIP,
        podIPs: [{ ip: podIP }],
        startTime: status?.startTime ?? now,
        conditions: [
          condition("PodScheduled", true),
          condition("Initialized", true),
          condition("ContainersReady", ready),
          condition("Ready", ready),
        ],
        containerStatuses: (pod.spec?.containers ?? []).map((c) => ({
          name: c.name,
          image: c.image,
          ready,
          started: true,
          restartCount: 0,
          state: { state: { $case: "running", value: { startedAt: status?.startTime ?? now } } },
        })),
      },
    });
    await pods.updateStatus(next);
  }

  private ip(node: string): string {
    const n = (this.nextIp.get(node) ?? 1) + 1;
    this.nextIp.set(node, n);
    return `10.244.${this.nodeIndex.get(node) ?? 0}.${n % 250}`;
  }
}

/** Conflicts (a newer version is on its way) and not-found (gone meanwhile) are normal. */
function isBenign(e: unknown): boolean {
  return (
    e instanceof ApiStatusError &&
    (e.code === grpcStatus.ABORTED || e.code === grpcStatus.NOT_FOUND)
  );
}
