// Namespaces and Nodes: cluster-scoped kinds with their own lifecycle rules.
import { NamespaceStatus, type Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";
import { BaseStrategy, type Obj } from "../strategy.js";

/** The spec finalizer the namespace controller clears once the namespace is empty. */
export const NAMESPACE_FINALIZER = "kubernetes";

export class NamespaceStrategy extends BaseStrategy {
  override prepareForCreate(object: Obj): void {
    const ns = object as unknown as Namespace;
    ns.status = NamespaceStatus.fromPartial({ phase: "Active" });
    ns.spec ??= { finalizers: [] };
    if (!ns.spec.finalizers.includes(NAMESPACE_FINALIZER))
      ns.spec.finalizers.push(NAMESPACE_FINALIZER);
  }
}

export class NodeStrategy extends BaseStrategy {
  // A kubelet registers its Node with the status it observed (capacity, addresses):
  // unlike most kinds, a create keeps it.
  override prepareForCreate(_object: Obj): void {}
}
