import type { FieldViolation } from "@k8ts/sdk";
import { PodStatus, type Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { BaseStrategy, deepEqual, immutable, type Obj } from "../strategy.js";
import {
  DEFAULT_TERMINATION_GRACE_SECONDS,
  defaultPodSpec,
  qosClass,
  validatePodSpec,
} from "./pod-template-defaults.js";

const asPod = (o: Obj): Pod => o;

export class PodStrategy extends BaseStrategy {
  override prepareForCreate(object: Obj): void {
    const pod = asPod(object);
    pod.status = PodStatus.fromPartial({ phase: "Pending" });
  }

  override applyDefaults(object: Obj): void {
    const pod = asPod(object);
    if (pod.spec === undefined) return;
    defaultPodSpec(pod.spec);
    if (pod.status !== undefined && pod.status.qosClass === "")
      pod.status.qosClass = qosClass(pod.spec);
  }

  override validate(object: Obj): FieldViolation[] {
    const pod = asPod(object);
    if (pod.spec === undefined) return [{ field: "spec", description: "Required value" }];
    return validatePodSpec(pod.spec, "spec");
  }

  override validateUpdate(object: Obj, old: Obj): FieldViolation[] {
    const pod = asPod(object);
    const before = asPod(old);
    if (pod.spec === undefined || before.spec === undefined) return [];
    // As in Kubernetes, a pod's spec is fixed once created except for container images
    // and added tolerations; the node is set only through Bind.
    const mask = (p: Pod): unknown => ({
      ...p.spec,
      containers: p.spec?.containers.map((c) => ({ ...c, image: "" })),
      initContainers: p.spec?.initContainers.map((c) => ({ ...c, image: "" })),
      tolerations: [],
      nodeName: "",
    });
    const out = immutable("spec", mask(pod), mask(before));
    if (out.length > 0)
      return [
        {
          field: "spec",
          description:
            "Forbidden: pod updates may not change fields other than spec.containers[*].image, spec.initContainers[*].image and spec.tolerations (only additions)",
        },
      ];
    if (before.spec.nodeName !== "" && pod.spec.nodeName !== before.spec.nodeName)
      out.push({
        field: "spec.nodeName",
        description: "Invalid value: field is immutable once the pod is bound",
      });
    if (before.spec.nodeName === "" && pod.spec.nodeName !== "")
      out.push({
        field: "spec.nodeName",
        description: "Forbidden: a pod is bound to a node only through Bind",
      });
    const kept = before.spec.tolerations.every((t) =>
      pod.spec?.tolerations.some((n) => deepEqual(n, t)),
    );
    if (!kept)
      out.push({
        field: "spec.tolerations",
        description:
          "Forbidden: existing toleration can not be modified except its tolerationSeconds",
      });
    return out;
  }

  override isGraceful(object: Obj): boolean {
    return (asPod(object).spec?.nodeName ?? "") !== "";
  }

  override defaultGracePeriod(object: Obj): number {
    return asPod(object).spec?.terminationGracePeriodSeconds ?? DEFAULT_TERMINATION_GRACE_SECONDS;
  }
}
