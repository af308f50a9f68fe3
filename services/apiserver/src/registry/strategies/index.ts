import type { KindInfo } from "@k8ts/sdk";
import { BaseStrategy, type Strategy } from "../strategy.js";
import { NamespaceStrategy, NodeStrategy } from "./cluster-strategies.js";
import { PodStrategy } from "./pod-strategy.js";
import { ServiceStrategy } from "./service-strategy.js";
import { DeploymentStrategy, ReplicaSetStrategy } from "./workload-strategies.js";

const BY_KIND: Readonly<Record<string, new (kind: KindInfo) => Strategy>> = {
  Pod: PodStrategy,
  Deployment: DeploymentStrategy,
  ReplicaSet: ReplicaSetStrategy,
  Service: ServiceStrategy,
  Namespace: NamespaceStrategy,
  Node: NodeStrategy,
};

export function strategyFor(kind: KindInfo): Strategy {
  const S = BY_KIND[kind.kind] ?? BaseStrategy;
  return new S(kind);
}

export { NAMESPACE_FINALIZER } from "./cluster-strategies.js";
