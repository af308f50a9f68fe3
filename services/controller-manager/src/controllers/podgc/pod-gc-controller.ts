// Pod GC (Kubernetes' pod garbage collector): every --pod-gc-period it looks through the
// cached Pods for those no kubelet will ever finish (podGcReason) and queues them; a
// worker checks again and force-deletes (grace 0, uid precondition). Before removing a
// Pod because its node is missing, the node is read from the apiserver: a lagging cache
// (a node created a moment ago) must never cost a Pod.
import { status as grpcStatus } from "@grpc/grpc-js";
import { ApiStatusError, objectKey, sleep, type SharedInformer } from "@k8ts/sdk";
import type { Node } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { ControllerContext, ControllerDefinition } from "../../controller.js";
import { QueueController } from "../../queue-controller.js";
import { podGcReason } from "./pod-gc-reason.js";

function isNotFound(e: unknown): boolean {
  return e instanceof ApiStatusError && e.code === grpcStatus.NOT_FOUND;
}

export class PodGcController extends QueueController {
  private readonly pods: SharedInformer<Pod>;
  private readonly nodes: SharedInformer<Node>;
  private deleted = 0;

  constructor(context: ControllerContext) {
    super(context, "podgc");
    this.pods = context.informers.informer("Pod");
    this.nodes = context.informers.informer("Node");
  }

  protected override async background(signal: AbortSignal): Promise<void> {
    do {
      try {
        this.pass();
      } catch (err) {
        this.context.logger.error({ err }, "pod GC pass failed");
      }
    } while (await sleep(this.context.options.podGcPeriodMs, signal, this.context.clock));
  }

  private pass(): void {
    const now = Date.now();
    for (const pod of this.pods.lister.list())
      if (podGcReason(pod, this.nodeOf(pod), now) !== undefined) this.queue.add(objectKey(pod));
  }

  private nodeOf(pod: Pod): Node | undefined {
    const name = pod.spec?.nodeName ?? "";
    return name === "" ? undefined : this.nodes.lister.get("", name);
  }

  protected async reconcile(key: string, signal: AbortSignal): Promise<void> {
    const pod = this.pods.lister.getByKey(key);
    const meta = pod?.metadata;
    if (pod === undefined || meta === undefined) return;
    const reason = podGcReason(pod, this.nodeOf(pod), Date.now());
    if (reason === undefined) return;
    const nodeName = pod.spec?.nodeName ?? "";
    if (reason === "orphaned") {
      try {
        await this.context.client.kind("Node").get(nodeName, { signal });
        return; // the node exists: the cache lags
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    try {
      await this.context.client.kind("Pod").delete(meta.name, {
        namespace: meta.namespace,
        options: { gracePeriodSeconds: 0, preconditions: { uid: meta.uid, resourceVersion: "" } },
        signal,
      });
    } catch (e) {
      // Gone already, or the name now belongs to another Pod (uid precondition): done.
      if (isNotFound(e) || (e instanceof ApiStatusError && e.code === grpcStatus.ABORTED)) return;
      throw e;
    }
    this.deleted++;
    this.context.logger.info({ pod: key, node: nodeName, reason }, "force-deleted a pod");
  }

  override status(): Readonly<Record<string, number>> {
    return { ...super.status(), deleted: this.deleted };
  }
}

export const podGcController: ControllerDefinition = {
  name: "podgc",
  kinds: ["Pod", "Node"],
  create: (context) => new PodGcController(context),
};
