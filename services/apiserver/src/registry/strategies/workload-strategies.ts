// Deployments and ReplicaSets: a selector, a pod template, replicas.
import { labelSelectorMatcher, type FieldViolation } from "@k8ts/sdk";
import type { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { LabelSelector } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import type { PodTemplateSpec } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { BaseStrategy, immutable, type Obj } from "../strategy.js";
import { defaultPodSpec, validatePodSpec } from "./pod-template-defaults.js";

function validateTemplate(
  selector: LabelSelector | undefined,
  template: PodTemplateSpec | undefined,
): FieldViolation[] {
  const out: FieldViolation[] = [];
  if (
    selector === undefined ||
    (Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0)
  )
    out.push({
      field: "spec.selector",
      description: "Required value: a non-empty selector is required",
    });
  if (template === undefined) {
    out.push({ field: "spec.template", description: "Required value" });
    return out;
  }
  if (
    selector !== undefined &&
    out.length === 0 &&
    !labelSelectorMatcher(selector).matches(template.metadata?.labels)
  )
    out.push({
      field: "spec.template.metadata.labels",
      description: `Invalid value: ${JSON.stringify(template.metadata?.labels ?? {})}: \`selector\` does not match template \`labels\``,
    });
  if (template.spec === undefined)
    out.push({ field: "spec.template.spec", description: "Required value" });
  else {
    if (template.spec.restartPolicy !== "Always")
      out.push({
        field: "spec.template.spec.restartPolicy",
        description: `Unsupported value: ${JSON.stringify(template.spec.restartPolicy)}: supported values: "Always"`,
      });
    out.push(...validatePodSpec(template.spec, "spec.template.spec"));
  }
  return out;
}

function percentOrInt(
  v:
    { value?: { $case: "intVal"; value: number } | { $case: "strVal"; value: string } } | undefined,
): number | "bad" | undefined {
  if (v?.value === undefined) return undefined;
  if (v.value.$case === "intVal") return v.value.value < 0 ? "bad" : v.value.value;
  const m = /^(\d+)%$/.exec(v.value.value);
  if (m === null) return "bad";
  return Number(m[1]) > 100 ? "bad" : Number(m[1]);
}

export class DeploymentStrategy extends BaseStrategy {
  override applyDefaults(object: Obj): void {
    const d = object as unknown as Deployment;
    if (d.spec === undefined) return;
    d.spec.replicas ??= 1;
    d.spec.revisionHistoryLimit ??= 10;
    d.spec.progressDeadlineSeconds ??= 600;
    d.spec.strategy ??= { type: "", rollingUpdate: undefined };
    if (d.spec.strategy.type === "") d.spec.strategy.type = "RollingUpdate";
    if (d.spec.strategy.type === "RollingUpdate") {
      d.spec.strategy.rollingUpdate ??= { maxUnavailable: undefined, maxSurge: undefined };
      d.spec.strategy.rollingUpdate.maxUnavailable ??= { value: { $case: "strVal", value: "25%" } };
      d.spec.strategy.rollingUpdate.maxSurge ??= { value: { $case: "strVal", value: "25%" } };
    }
    if (d.spec.template?.spec !== undefined) defaultPodSpec(d.spec.template.spec);
  }

  override validate(object: Obj): FieldViolation[] {
    const d = object as unknown as Deployment;
    if (d.spec === undefined) return [{ field: "spec", description: "Required value" }];
    const out = validateTemplate(d.spec.selector, d.spec.template);
    const s = d.spec.strategy;
    if (s?.type === "Recreate" && s.rollingUpdate !== undefined)
      out.push({
        field: "spec.strategy.rollingUpdate",
        description: "Forbidden: may not be specified when strategy `type` is 'Recreate'",
      });
    if (s?.rollingUpdate !== undefined) {
      const surge = percentOrInt(s.rollingUpdate.maxSurge);
      const unavailable = percentOrInt(s.rollingUpdate.maxUnavailable);
      if (surge === "bad")
        out.push({
          field: "spec.strategy.rollingUpdate.maxSurge",
          description:
            "Invalid value: must be a non-negative integer or a percentage (e.g. '25%') up to 100%",
        });
      if (unavailable === "bad")
        out.push({
          field: "spec.strategy.rollingUpdate.maxUnavailable",
          description:
            "Invalid value: must be a non-negative integer or a percentage (e.g. '25%') up to 100%",
        });
      if (surge === 0 && unavailable === 0)
        out.push({
          field: "spec.strategy.rollingUpdate.maxUnavailable",
          description: "Invalid value: may not be 0 when `maxSurge` is 0",
        });
    }
    return out;
  }

  override validateUpdate(object: Obj, old: Obj): FieldViolation[] {
    return immutable(
      "spec.selector",
      (object as unknown as Deployment).spec?.selector,
      (old as unknown as Deployment).spec?.selector,
    );
  }
}

export class ReplicaSetStrategy extends BaseStrategy {
  override applyDefaults(object: Obj): void {
    const rs = object as unknown as ReplicaSet;
    if (rs.spec === undefined) return;
    rs.spec.replicas ??= 1;
    if (rs.spec.template?.spec !== undefined) defaultPodSpec(rs.spec.template.spec);
  }

  override validate(object: Obj): FieldViolation[] {
    const rs = object as unknown as ReplicaSet;
    if (rs.spec === undefined) return [{ field: "spec", description: "Required value" }];
    return validateTemplate(rs.spec.selector, rs.spec.template);
  }

  override validateUpdate(object: Obj, old: Obj): FieldViolation[] {
    return immutable(
      "spec.selector",
      (object as unknown as ReplicaSet).spec?.selector,
      (old as unknown as ReplicaSet).spec?.selector,
    );
  }
}
