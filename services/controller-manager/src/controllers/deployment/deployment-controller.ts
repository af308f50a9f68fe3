// The Deployment controller (kube-controller-manager's): one ReplicaSet per pod template,
// rolled from old to new by the strategy (RollingUpdate within maxSurge/maxUnavailable, or
// Recreate), scaled proportionally at any time, with revisions, pause, a progress deadline
// and status. Deployments, ReplicaSets (to their controlling Deployment; orphans to every
// Deployment that selects them) and pod terminations and deletions (Recreate waits for
// them; a rolling update counts pods not yet gone) bring a Deployment's key to the queue;
// each sync works from the informers' caches and writes conditionally (deployment-sync).
import { status as grpcStatus } from "@grpc/grpc-js";
import {
  ApiStatusError,
  labelSelectorMatcher,
  lookupKind,
  objectKey,
  referenceTo,
  type KindClient,
  type SharedInformer,
} from "@k8ts/sdk";
import { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { OwnerReference } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import type { ControllerContext } from "../../controller.js";
import {
  claimObjects,
  controllerRefOf,
  ownerInfoOf,
  recheckOwnerWith,
} from "../../controller-ref.js";
import { QueueController } from "../../queue-controller.js";
import { DeploymentSync } from "./deployment-sync.js";
import { canonicalEncoding } from "./pod-template-hash.js";

const DEPLOYMENT_KIND = "Deployment";
const DEPLOYMENT_API_VERSION = lookupKind(DEPLOYMENT_KIND)?.apiVersion ?? "apps/v1";

export interface DeploymentControllerOptions {
  /** Wall-clock time for condition times and the progress deadline (default: now). */
  readonly now?: () => Date;
}

export class DeploymentController extends QueueController {
  private readonly deployments: SharedInformer<Deployment>;
  private readonly replicaSets: SharedInformer<ReplicaSet>;
  private readonly pods: SharedInformer<Pod>;
  private readonly deploymentClient: KindClient<Deployment>;
  private readonly replicaSetClient: KindClient<ReplicaSet>;
  private readonly now: () => Date;

  constructor(context: ControllerContext, options: DeploymentControllerOptions = {}) {
    super(context, "deployment");
    this.deployments = context.informers.informer(DEPLOYMENT_KIND);
    this.replicaSets = context.informers.informer("ReplicaSet");
    this.pods = context.informers.informer("Pod");
    this.deploymentClient = context.client.kind(DEPLOYMENT_KIND);
    this.replicaSetClient = context.client.kind("ReplicaSet");
    this.now = options.now ?? (() => new Date());

    const enqueue = (d: Deployment): void => this.queue.add(objectKey(d));
    this.handle(this.deployments, {
      onAdd: enqueue,
      onUpdate: (_old, d) => enqueue(d),
      onDelete: enqueue,
    });
    this.handle(this.replicaSets, {
      onAdd: (rs) => this.replicaSetChanged(undefined, rs),
      onUpdate: (old, rs) => this.replicaSetChanged(old, rs),
      onDelete: (rs) =>
        this.enqueueController(rs.metadata?.namespace ?? "", controllerRefOf(rs.metadata)),
    });
    this.handle(this.pods, {
      onUpdate: (old, pod) => {
        // A pod starting to terminate frees room in a rolling update's surge.
        if (
          old.metadata?.deletionTimestamp === undefined &&
          pod.metadata?.deletionTimestamp !== undefined
        )
          this.enqueuePodDeployment(pod);
      },
      // Recreate waits for the old pods to be gone.
      onDelete: (pod) => this.enqueuePodDeployment(pod),
    });
  }

  /** Enqueues the Deployment `ref` names if it exists with that uid. */
  private enqueueController(namespace: string, ref: OwnerReference | undefined): void {
    if (ref?.kind !== DEPLOYMENT_KIND) return;
    const d = this.deployments.lister.get(namespace, ref.name);
    if (d !== undefined && d.metadata?.uid === ref.uid) this.queue.add(objectKey(d));
  }

  /** Every Deployment whose selector matches an orphan ReplicaSet (it may adopt it). */
  private enqueueSelecting(rs: ReplicaSet): void {
    const namespace = rs.metadata?.namespace ?? "";
    for (const d of this.deployments.lister.list({ namespace }))
      if (labelSelectorMatcher(d.spec?.selector).matches(rs.metadata?.labels))
        this.queue.add(objectKey(d));
  }

  private replicaSetChanged(old: ReplicaSet | undefined, rs: ReplicaSet): void {
    if (old !== undefined && old.metadata?.resourceVersion === rs.metadata?.resourceVersion) return;
    const namespace = rs.metadata?.namespace ?? "";
    const ref = controllerRefOf(rs.metadata);
    const oldRef = old === undefined ? undefined : controllerRefOf(old.metadata);
    const refChanged = old !== undefined && oldRef?.uid !== ref?.uid;
    if (refChanged) this.enqueueController(namespace, oldRef);
    if (ref !== undefined) {
      this.enqueueController(namespace, ref);
      return;
    }
    const labelsChanged =
      old === undefined ||
      canonicalEncoding(old.metadata?.labels) !== canonicalEncoding(rs.metadata?.labels);
    if (labelsChanged || refChanged) this.enqueueSelecting(rs);
  }

  private enqueuePodDeployment(pod: Pod): void {
    const namespace = pod.metadata?.namespace ?? "";
    const ref = controllerRefOf(pod.metadata);
    if (ref?.kind !== "ReplicaSet") return;
    const rs = this.replicaSets.lister.get(namespace, ref.name);
    if (rs === undefined || rs.metadata?.uid !== ref.uid) return;
    this.enqueueController(namespace, controllerRefOf(rs.metadata));
  }

  protected async reconcile(key: string, signal: AbortSignal): Promise<void> {
    const cached = this.deployments.lister.getByKey(key);
    if (cached === undefined) return; // deleted: the garbage collector takes its ReplicaSets
    const d = structuredClone(cached);
    const meta = d.metadata;
    if (meta === undefined) return;
    const selector = d.spec?.selector;
    if (
      selector === undefined ||
      (Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0)
    ) {
      // The apiserver refuses this; a Deployment selecting everything is never acted on.
      this.context.recorder.event(
        referenceTo(DEPLOYMENT_KIND, d),
        "Warning",
        "SelectingAll",
        "This deployment is selecting all pods. A non-empty selector is required.",
      );
      if ((d.status?.observedGeneration ?? 0) < meta.generation)
        await this.deploymentClient.updateStatus(
          Deployment.fromPartial({
            ...d,
            status: { ...d.status, observedGeneration: meta.generation },
          }),
          { signal },
        );
      return;
    }

    const owner = ownerInfoOf(DEPLOYMENT_API_VERSION, DEPLOYMENT_KIND, meta);
    const matcher = labelSelectorMatcher(selector);
    const replicaSets = await claimObjects(
      this.replicaSetClient,
      this.replicaSets.lister.list({ namespace: meta.namespace }),
      {
        owner,
        selector: matcher,
        ownerDeleting: meta.deletionTimestamp !== undefined,
        recheckOwner: recheckOwnerWith(this.deploymentClient, owner, signal),
        signal,
      },
    );
    // Pods of those ReplicaSets (any state: Recreate waits for terminating ones too).
    const uids = new Set(replicaSets.map((rs) => rs.metadata?.uid ?? ""));
    const podsByReplicaSet = new Map<string, Pod[]>();
    for (const pod of this.pods.lister.list({
      namespace: meta.namespace,
      labelSelector: matcher,
    })) {
      const ref = controllerRefOf(pod.metadata);
      if (ref === undefined || !uids.has(ref.uid)) continue;
      const list = podsByReplicaSet.get(ref.uid) ?? [];
      list.push(pod);
      podsByReplicaSet.set(ref.uid, list);
    }

    const sync = new DeploymentSync(
      {
        deployments: this.deploymentClient,
        replicaSets: this.replicaSetClient,
        replicaSetLister: this.replicaSets.lister,
        recorder: this.context.recorder,
        logger: this.context.logger,
        now: this.now,
      },
      d,
      replicaSets,
      podsByReplicaSet,
      owner,
      signal,
    );
    let recheckMs: number | undefined;
    try {
      recheckMs = await sync.run();
    } catch (e) {
      // Deleted while this sync ran: nothing more to do (its cache delete event follows).
      if (e instanceof ApiStatusError && e.code === grpcStatus.NOT_FOUND) {
        const live = await this.deploymentClient
          .get(meta.name, { namespace: meta.namespace, signal })
          .catch((err: unknown) => {
            if (err instanceof ApiStatusError && err.code === grpcStatus.NOT_FOUND)
              return undefined;
            throw err;
          });
        if (live === undefined || live.metadata?.uid !== meta.uid) return;
      }
      throw e;
    }
    if (recheckMs !== undefined) this.queue.addAfter(key, recheckMs);
  }
}
