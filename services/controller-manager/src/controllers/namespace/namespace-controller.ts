// The namespace controller (as Kubernetes'): a Namespace with a deletionTimestamp
// (Terminating) has everything in it deleted, pass after pass, until a list of every
// namespaced kind comes back empty; then the `kubernetes` entry leaves spec.finalizers (a
// conditional update) and the apiserver removes the Namespace. The deletion conditions
// (NamespaceContentRemaining, ...) say how far it got; failures are Warning Events.
import { ApiStatusError, referenceTo, type SharedInformer } from "@k8ts/sdk";
import { Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";
import type { ControllerContext, ControllerDefinition } from "../../controller.js";
import { QueueController } from "../../queue-controller.js";
import { deleteNamespaceContent, type ContentReport } from "./content-deletion.js";
import { deletionConditions, sameConditions } from "./deletion-conditions.js";

/** The spec finalizer this controller owns (set by the apiserver on every Namespace). */
export const NAMESPACE_FINALIZER = "kubernetes";

const FIRST_REQUEUE_MS = 1_000;
const MAX_REQUEUE_MS = 16_000;

/** How long to wait before pass `pass` + 1 over content that remains: 1 s, doubling to 16 s. */
export function requeueDelay(pass: number): number {
  return Math.min(FIRST_REQUEUE_MS * 2 ** Math.max(0, pass), MAX_REQUEUE_MS);
}

export class NamespaceController extends QueueController {
  private readonly namespaces: SharedInformer<Namespace>;
  /** Passes so far per terminating namespace (the requeue back-off). */
  private readonly passes = new Map<string, number>();
  private finalized = 0;

  constructor(context: ControllerContext) {
    super(context, "namespace");
    this.namespaces = context.informers.informer("Namespace");
    const enqueue = (ns: Namespace): void => {
      if (ns.metadata?.deletionTimestamp !== undefined) this.queue.add(ns.metadata.name);
    };
    this.handle(this.namespaces, {
      onAdd: enqueue,
      onUpdate: (_old, ns) => enqueue(ns),
      onDelete: (ns) => {
        this.passes.delete(ns.metadata?.name ?? "");
      },
    });
  }

  override status(): Readonly<Record<string, number>> {
    return { ...super.status(), terminating: this.passes.size, finalized: this.finalized };
  }

  protected async reconcile(name: string, signal: AbortSignal): Promise<void> {
    if (this.namespaces.lister.get("", name)?.metadata?.deletionTimestamp === undefined) {
      this.passes.delete(name);
      return;
    }
    const ns = await this.getLive(name, signal);
    if (
      ns?.metadata?.deletionTimestamp === undefined ||
      !(ns.spec?.finalizers.includes(NAMESPACE_FINALIZER) ?? false)
    ) {
      this.passes.delete(name);
      return;
    }
    const report = await deleteNamespaceContent(this.context.client, name, signal);
    const current = await this.writeConditions(ns, report, signal);
    if (report.failures.length > 0)
      this.context.recorder.event(
        referenceTo("Namespace", ns),
        "Warning",
        "NamespaceDeletionContentFailure",
        `Failed to delete all resource types, ${report.failures.length} remaining: ${report.failures.join(", ")}`,
      );
    if (report.remaining.size > 0 || report.failures.length > 0) {
      const pass = this.passes.get(name) ?? 0;
      this.passes.set(name, pass + 1);
      this.queue.addAfter(name, requeueDelay(pass));
      return;
    }
    await this.finalize(current, signal);
    this.passes.delete(name);
  }

  private async getLive(name: string, signal: AbortSignal): Promise<Namespace | undefined> {
    try {
      return await this.context.client.kind("Namespace").get(name, { signal });
    } catch (e) {
      if (e instanceof ApiStatusError && e.isNotFound) return undefined;
      throw e;
    }
  }

  /** Writes the deletion conditions if they changed; returns the Namespace as now stored. */
  private async writeConditions(
    ns: Namespace,
    report: ContentReport,
    signal: AbortSignal,
  ): Promise<Namespace> {
    const previous = ns.status?.conditions ?? [];
    const conditions = deletionConditions(report, previous, new Date());
    if (sameConditions(conditions, previous)) return ns;
    // Conditional on the version read: a conflict retries the whole pass with back-off.
    return this.context.client
      .kind("Namespace")
      .updateStatus(
        Namespace.fromPartial({ ...ns, status: { phase: "Terminating", conditions } }),
        { signal },
      );
  }

  /** Removes `kubernetes` from spec.finalizers, conditional on the version read. */
  private async finalize(ns: Namespace, signal: AbortSignal): Promise<void> {
    const finalizers = (ns.spec?.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER);
    try {
      await this.context.client
        .kind("Namespace")
        .update(Namespace.fromPartial({ ...ns, spec: { ...ns.spec, finalizers } }), { signal });
    } catch (e) {
      if (e instanceof ApiStatusError && e.isNotFound) return;
      throw e;
    }
    this.finalized++;
    this.context.logger.info({ namespace: ns.metadata?.name }, "namespace empty: finalized");
  }
}

export const namespaceController: ControllerDefinition = {
  name: "namespace",
  kinds: ["Namespace"],
  create: (context) => new NamespaceController(context),
};
