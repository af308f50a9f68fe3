// The node lifecycle controller with taint-based eviction (Kubernetes' node lifecycle
// controller and taint manager). Every --node-monitor-period it judges each node by its
// Lease (NodeLeaseTracker): a silent node gets Ready=Unknown, the unreachable taints and
// its Pods marked not ready (so Endpoints drop them); a node whose kubelet reports
// Ready=False gets the not-ready taints; the taints go when Ready is True again. Pods on a
// node with a NoExecute taint they do not tolerate are deleted, at once or after their
// tolerationSeconds. When every node is not ready at once (full disruption: most likely
// our own connectivity problem) NoExecute taints are withheld and nothing is evicted.
//
// Queue keys: "node:<name>" (conditions, taints, pod readiness) and "pod:<ns>/<name>"
// (eviction).
import { status as grpcStatus } from "@grpc/grpc-js";
import { ApiStatusError, objectKey, referenceTo, sleep, type SharedInformer } from "@k8ts/sdk";
import type { Lease } from "@k8ts/sdk/gen/k8ts/api/v1/lease.js";
import { Node, type Taint } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { ControllerContext, ControllerDefinition } from "../../controller.js";
import { QueueController } from "../../queue-controller.js";
import { isFullDisruption } from "./full-disruption.js";
import { readyStatus, unknownConditions } from "./node-conditions.js";
import { NodeLeaseTracker } from "./node-lease-tracker.js";
import { reconcileTaints } from "./node-taints.js";
import { evictionTime, withDefaultTolerations, type TimedTaint } from "./taint-eviction.js";
import { POD_NODE_INDEX, podNodeName } from "../../pod-indexes.js";

export const NODE_LEASE_NAMESPACE = "kube-node-lease";

const NODE = "node:";
const POD = "pod:";

/** Conflicts (a newer version is on its way) and not-found (gone meanwhile) are normal. */
function isBenign(e: unknown): boolean {
  return (
    e instanceof ApiStatusError &&
    (e.code === grpcStatus.ABORTED || e.code === grpcStatus.NOT_FOUND)
  );
}

function noExecuteTaints(node: Node | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");
}

function taintsKey(taints: readonly Taint[]): string {
  return JSON.stringify(taints.map((t) => [t.key, t.value, t.effect, t.timeAdded?.getTime()]));
}

export class NodeLifecycleController extends QueueController {
  private readonly nodes: SharedInformer<Node>;
  private readonly leases: SharedInformer<Lease>;
  private readonly pods: SharedInformer<Pod>;
  private readonly tracker: NodeLeaseTracker;
  /** Every node is not ready: no NoExecute taints, no evictions. */
  private fullDisruption = false;
  /** Wall-clock time at which a NoExecute taint without timeAdded was first seen. */
  private readonly taintSeen = new Map<string, number>();
  private evictions = 0;
  private podsMarkedNotReady = 0;

  constructor(context: ControllerContext) {
    super(context, "nodelifecycle");
    const o = context.options;
    this.tracker = new NodeLeaseTracker(context.clock, {
      gracePeriodMs: o.nodeMonitorGracePeriodMs,
      startupGracePeriodMs: o.nodeStartupGracePeriodMs,
    });
    this.nodes = context.informers.informer("Node");
    this.leases = context.informers.informer("Lease");
    this.pods = context.informers.informer("Pod");
    this.pods.addIndexers({ [POD_NODE_INDEX]: podNodeName });
    this.handle(this.nodes, {
      onAdd: (n) => this.queue.add(NODE + objectKey(n)),
      onUpdate: (old, n) => {
        if (old.metadata?.resourceVersion === n.metadata?.resourceVersion) return; // resync
        this.queue.add(NODE + objectKey(n));
        if (taintsKey(noExecuteTaints(old)) !== taintsKey(noExecuteTaints(n)))
          this.enqueuePodsOn(objectKey(n));
      },
      onDelete: (n) => {
        const name = objectKey(n);
        this.tracker.forget(name);
        for (const k of this.taintSeen.keys())
          if (k.startsWith(`${name}\u0000`)) this.taintSeen.delete(k);
      },
    });
    this.handle(this.pods, {
      onAdd: (p) => this.enqueuePod(p),
      onUpdate: (_old, p) => this.enqueuePod(p),
    });
  }

  /** A bound Pod whose node has NoExecute taints is looked at for eviction. */
  private enqueuePod(pod: Pod): void {
    const nodeName = pod.spec?.nodeName ?? "";
    if (nodeName === "" || pod.metadata?.deletionTimestamp !== undefined) return;
    if (noExecuteTaints(this.nodes.lister.get("", nodeName)).length > 0)
      this.queue.add(POD + objectKey(pod));
  }

  private podsOn(nodeName: string): Pod[] {
    return this.pods.lister.byIndex(POD_NODE_INDEX, nodeName);
  }

  private enqueuePodsOn(nodeName: string): void {
    for (const p of this.podsOn(nodeName)) this.enqueuePod(p);
  }

  private leaseVersion(node: string): string | undefined {
    return this.leases.lister.get(NODE_LEASE_NAMESPACE, node)?.metadata?.resourceVersion;
  }

  /** Ready as it should be: Unknown once the Lease expired, else what the kubelet said. */
  private effectiveReady(node: Node): string | undefined {
    const name = objectKey(node);
    return this.tracker.observe(name, this.leaseVersion(name)) === "expired"
      ? "Unknown"
      : readyStatus(node);
  }

  protected override async background(signal: AbortSignal): Promise<void> {
    do {
      try {
        this.monitorPass();
      } catch (err) {
        this.context.logger.error({ err }, "node monitor pass failed");
      }
    } while (await sleep(this.context.options.nodeMonitorPeriodMs, signal, this.context.clock));
  }

  /** Judges every node, updates the full-disruption state, and queues every node. */
  private monitorPass(): void {
    const nodes = this.nodes.lister.list();
    const names = new Set(nodes.map((n) => objectKey(n)));
    for (const n of this.tracker.nodes()) if (!names.has(n)) this.tracker.forget(n);
    const full = isFullDisruption(nodes.map((n) => this.effectiveReady(n)));
    if (full !== this.fullDisruption) {
      this.fullDisruption = full;
      if (full)
        this.context.logger.warn(
          { nodes: nodes.length },
          "every node is not ready: full disruption, evictions stop and NoExecute taints are withheld",
        );
      else {
        // As Kubernetes: every node gets a fresh grace period, then evictions resume.
        this.tracker.restartAll();
        this.context.logger.info("a node is ready again: leaving full disruption");
        for (const n of names) this.enqueuePodsOn(n);
      }
    }
    for (const n of names) this.queue.add(NODE + n);
  }

  protected async reconcile(key: string, signal: AbortSignal): Promise<void> {
    if (key.startsWith(NODE)) await this.reconcileNode(key.slice(NODE.length), signal);
    else if (key.startsWith(POD)) await this.reconcilePod(key.slice(POD.length), signal);
  }

  private async reconcileNode(name: string, signal: AbortSignal): Promise<void> {
    let node = this.nodes.lister.get("", name);
    if (node === undefined) return;
    const client = this.context.client.kind("Node");
    const expired = this.tracker.observe(name, this.leaseVersion(name)) === "expired";
    if (expired) {
      const conditions = unknownConditions(node, new Date());
      if (conditions !== undefined) {
        const was = readyStatus(node);
        // Conditional on the cached resourceVersion; a conflict retries the key.
        node = await client.updateStatus(
          Node.fromPartial({ ...node, status: { ...node.status, conditions } }),
          { signal },
        );
        this.context.logger.warn({ node: name }, "node's Lease expired: Ready=Unknown");
        if (was === "True")
          this.context.recorder.event(
            referenceTo("Node", node),
            "Normal",
            "NodeNotReady",
            `Node ${name} status is now: NodeNotReady`,
          );
      }
    }
    const ready = readyStatus(node);
    const taints = reconcileTaints(node.spec?.taints ?? [], ready, {
      noExecute: !this.fullDisruption,
      now: new Date(),
    });
    if (taints !== undefined) {
      node = await client.update(Node.fromPartial({ ...node, spec: { ...node.spec, taints } }), {
        signal,
      });
      this.context.logger.info(
        { node: name, ready, taints: taints.map((t) => `${t.key}:${t.effect}`) },
        "node taints updated",
      );
    }
    // Only a silent node's Pods: a live kubelet reports its Pods' readiness itself.
    if (expired) await this.markPodsNotReady(name, signal);
  }

  /** Sets Ready=False on the node's Pods (conflicts are left to the next pass). */
  private async markPodsNotReady(nodeName: string, signal: AbortSignal): Promise<void> {
    const client = this.context.client.kind("Pod");
    for (const pod of this.podsOn(nodeName)) {
      const phase = pod.status?.phase ?? "";
      if (phase === "Succeeded" || phase === "Failed") continue;
      const conditions = [...(pod.status?.conditions ?? [])];
      const i = conditions.findIndex((c) => c.type === "Ready");
      const ready = conditions[i];
      if (ready === undefined || ready.status === "False") continue;
      conditions[i] = { ...ready, status: "False", lastTransitionTime: new Date() };
      try {
        await client.updateStatus(
          Pod.fromPartial({ ...pod, status: { ...pod.status, conditions } }),
          { signal },
        );
        this.podsMarkedNotReady++;
        this.context.recorder.event(
          referenceTo("Pod", pod),
          "Warning",
          "NodeNotReady",
          "Node is not ready",
        );
      } catch (e) {
        if (!isBenign(e)) throw e;
      }
    }
  }

  /** When a taint counts from: its timeAdded, else when this controller first saw it. */
  private taintAddedAt(nodeName: string, taint: Taint): number {
    if (taint.timeAdded !== undefined) return taint.timeAdded.getTime();
    const k = `${nodeName}\u0000${taint.key}\u0000${taint.effect}`;
    let at = this.taintSeen.get(k);
    if (at === undefined) {
      at = Date.now();
      this.taintSeen.set(k, at);
    }
    return at;
  }

  private async reconcilePod(key: string, signal: AbortSignal): Promise<void> {
    const pod = this.pods.lister.getByKey(key);
    const meta = pod?.metadata;
    if (pod === undefined || meta === undefined || meta.deletionTimestamp !== undefined) return;
    const nodeName = pod.spec?.nodeName ?? "";
    const taints = noExecuteTaints(this.nodes.lister.get("", nodeName));
    if (taints.length === 0) return;
    // Resumed (the pods are queued again) when the disruption ends.
    if (this.fullDisruption) return;
    const timed: TimedTaint[] = taints.map((taint) => ({
      taint,
      addedAtMs: this.taintAddedAt(nodeName, taint),
    }));
    const tolerations = withDefaultTolerations(
      pod.spec?.tolerations ?? [],
      this.context.options.defaultUnreachableTolerationSeconds,
    );
    const at = evictionTime(tolerations, timed);
    if (at === Number.POSITIVE_INFINITY) return;
    const wait = at - Date.now();
    if (wait > 0) {
      this.queue.addAfter(POD + key, wait);
      return;
    }
    try {
      // A normal graceful delete; the uid guards a successor of the same name.
      await this.context.client.kind("Pod").delete(meta.name, {
        namespace: meta.namespace,
        options: { preconditions: { uid: meta.uid, resourceVersion: "" } },
        signal,
      });
    } catch (e) {
      if (isBenign(e)) return;
      throw e;
    }
    this.evictions++;
    this.context.logger.info({ pod: key, node: nodeName }, "evicted a pod from a tainted node");
    this.context.recorder.event(
      referenceTo("Pod", pod),
      "Normal",
      "TaintManagerEviction",
      `Marking for deletion Pod ${key}`,
    );
  }

  override status(): Readonly<Record<string, number>> {
    return {
      ...super.status(),
      evictions: this.evictions,
      podsMarkedNotReady: this.podsMarkedNotReady,
      fullDisruption: this.fullDisruption ? 1 : 0,
    };
  }
}

export const nodeLifecycleController: ControllerDefinition = {
  name: "nodelifecycle",
  kinds: ["Node", "Lease", "Pod"],
  create: (context) => new NodeLifecycleController(context),
};
