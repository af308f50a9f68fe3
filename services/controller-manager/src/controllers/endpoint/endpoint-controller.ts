// The endpoints controller: for every Service with a selector, an Endpoints object of the
// same name listing the matching Pods' addresses and ports. Keys are Services
// ("namespace/name"); Pod changes map to the Services whose selector matches the Pod's old
// or new labels. A Service without a selector keeps hand-written Endpoints; a deleted
// Service loses its Endpoints. Writes happen only when the content changes.
import { status as grpcStatus } from "@grpc/grpc-js";
import {
  ApiStatusError,
  labelSelectorMatcher,
  objectKey,
  type LabelMatcher,
  type SharedInformer,
} from "@k8ts/sdk";
import { Endpoints } from "@k8ts/sdk/gen/k8ts/api/v1/endpoints.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { Service } from "@k8ts/sdk/gen/k8ts/api/v1/service.js";
import type { ControllerContext, ControllerDefinition } from "../../controller.js";
import { QueueController } from "../../queue-controller.js";
import {
  desiredLabels,
  desiredSubsets,
  endpointsUpToDate,
  hasSelector,
} from "./desired-endpoints.js";

function selectorOf(service: Service): LabelMatcher {
  return labelSelectorMatcher({ matchLabels: service.spec?.selector ?? {}, matchExpressions: [] });
}

function isNotFound(e: unknown): boolean {
  return e instanceof ApiStatusError && e.code === grpcStatus.NOT_FOUND;
}

export class EndpointController extends QueueController {
  private readonly services: SharedInformer<Service>;
  private readonly pods: SharedInformer<Pod>;
  private readonly endpoints: SharedInformer<Endpoints>;
  private writes = 0;

  constructor(context: ControllerContext) {
    super(context, "endpoint");
    this.services = context.informers.informer("Service");
    this.pods = context.informers.informer("Pod");
    this.endpoints = context.informers.informer("Endpoints");
    const enqueue = (o: Service | Endpoints): void => this.queue.add(objectKey(o));
    this.handle(this.services, {
      onAdd: enqueue,
      onUpdate: (_old, s) => enqueue(s),
      onDelete: enqueue,
    });
    this.handle(this.pods, {
      onAdd: (p) => this.enqueueServicesOf(p),
      onUpdate: (old, p) => {
        if (old.metadata?.resourceVersion === p.metadata?.resourceVersion) return; // resync
        this.enqueueServicesOf(p, old);
      },
      onDelete: (p) => this.enqueueServicesOf(p),
    });
    this.handle(this.endpoints, {
      // At the start of a term every existing Endpoints is looked at once, so those whose
      // Service went away meanwhile are removed (Kubernetes' checkLeftoverEndpoints).
      onAdd: (e, initial) => {
        if (initial) enqueue(e);
      },
      // Someone edited or deleted Endpoints this controller manages: put them right.
      onUpdate: (_old, e) => this.enqueueIfManaged(e),
      onDelete: (e) => this.enqueueIfManaged(e),
    });
  }

  private enqueueIfManaged(e: Endpoints): void {
    const service = this.services.lister.getByKey(objectKey(e));
    if (service !== undefined && hasSelector(service)) this.queue.add(objectKey(e));
  }

  /** Enqueues the Services of the Pod's namespace whose selector matches either label set. */
  private enqueueServicesOf(pod: Pod, old?: Pod): void {
    const namespace = pod.metadata?.namespace ?? "";
    for (const service of this.services.lister.list({ namespace })) {
      if (!hasSelector(service)) continue;
      const selector = selectorOf(service);
      if (
        selector.matches(pod.metadata?.labels) ||
        (old !== undefined && selector.matches(old.metadata?.labels))
      )
        this.queue.add(objectKey(service));
    }
  }

  protected async reconcile(key: string, signal: AbortSignal): Promise<void> {
    const slash = key.indexOf("/");
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const client = this.context.client.kind("Endpoints");
    const existing = this.endpoints.lister.getByKey(key);
    const service = this.services.lister.getByKey(key);

    if (service === undefined) {
      if (existing === undefined) return;
      try {
        await client.delete(name, {
          namespace,
          options: { preconditions: { uid: existing.metadata?.uid ?? "", resourceVersion: "" } },
          signal,
        });
        this.writes++;
        this.context.logger.info({ endpoints: key }, "deleted the Endpoints of a deleted Service");
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      return;
    }
    if (!hasSelector(service)) return; // Endpoints written by hand: not ours

    const pods = this.pods.lister.list({ namespace, labelSelector: selectorOf(service) });
    const subsets = desiredSubsets(service, pods);
    const labels = desiredLabels(service);
    if (existing !== undefined && endpointsUpToDate(existing, subsets, labels)) return;

    if (existing === undefined) {
      // ALREADY_EXISTS (the cache lags) throws: the key is retried once the cache has it.
      try {
        await client.create(
          Endpoints.fromPartial({ metadata: { name, namespace, labels }, subsets }),
          { signal },
        );
      } catch (e) {
        // A terminating namespace takes nothing new (as Kubernetes, not an error): the
        // namespace controller is removing the Service too.
        if (e instanceof ApiStatusError && e.code === grpcStatus.FAILED_PRECONDITION) return;
        throw e;
      }
    } else {
      // Conditional on the cached resourceVersion: a conflict retries from the newer cache.
      await client.update(
        Endpoints.fromPartial({ metadata: { ...existing.metadata, labels }, subsets }),
        { signal },
      );
    }
    this.writes++;
  }

  override status(): Readonly<Record<string, number>> {
    return { ...super.status(), writes: this.writes };
  }
}

export const endpointController: ControllerDefinition = {
  name: "endpoint",
  kinds: ["Service", "Pod", "Endpoints"],
  create: (context) => new EndpointController(context),
};
