// The pod a ReplicaSet creates (Kubernetes' GetPodFromTemplate): the template's labels,
// annotations, finalizers and spec, a generated name "<rs name>-xxxxx", in the
// ReplicaSet's namespace, controlled by it.
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { OwnerReference } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import type { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";

export function podFromTemplate(rs: ReplicaSet, controllerRef: OwnerReference): Pod {
  const template = rs.spec?.template;
  return Pod.fromPartial({
    metadata: {
      generateName: `${rs.metadata?.name ?? ""}-`,
      namespace: rs.metadata?.namespace ?? "",
      labels: { ...template?.metadata?.labels },
      annotations: { ...template?.metadata?.annotations },
      finalizers: [...(template?.metadata?.finalizers ?? [])],
      ownerReferences: [controllerRef],
    },
    spec: template?.spec,
  });
}
