import type { FieldViolation } from "@k8ts/sdk";
import type { Service } from "@k8ts/sdk/gen/k8ts/api/v1/service.js";
import { BaseStrategy, type Obj } from "../strategy.js";

const asService = (o: Obj): Service => o;

export class ServiceStrategy extends BaseStrategy {
  override applyDefaults(object: Obj): void {
    const spec = asService(object).spec;
    if (spec === undefined) return;
    if (spec.type === "") spec.type = "ClusterIP";
    if (spec.sessionAffinity === "") spec.sessionAffinity = "None";
    if (spec.sessionAffinity === "ClientIP") {
      spec.sessionAffinityConfig ??= { clientIP: undefined };
      spec.sessionAffinityConfig.clientIP ??= { timeoutSeconds: undefined };
      spec.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
    }
    for (const p of spec.ports) {
      if (p.protocol === "") p.protocol = "TCP";
      p.targetPort ??= { value: { $case: "intVal", value: p.port } };
    }
  }

  override validate(object: Obj): FieldViolation[] {
    const spec = asService(object).spec;
    if (spec === undefined) return [{ field: "spec", description: "Required value" }];
    const out: FieldViolation[] = [];
    const headless = spec.clusterIP === "None";
    if (spec.ports.length === 0 && !headless)
      out.push({ field: "spec.ports", description: "Required value" });
    const names = new Set<string>();
    const ports = new Set<string>();
    spec.ports.forEach((p, i) => {
      if (spec.ports.length > 1 && p.name === "")
        out.push({
          field: `spec.ports[${i}].name`,
          description: "Required value: when there is more than one port, each must be named",
        });
      if (p.name !== "" && names.has(p.name))
        out.push({
          field: `spec.ports[${i}].name`,
          description: `Duplicate value: ${JSON.stringify(p.name)}`,
        });
      names.add(p.name);
      const id = `${p.port}/${p.protocol}`;
      if (ports.has(id))
        out.push({
          field: `spec.ports[${i}]`,
          description: `Duplicate value: ${JSON.stringify(id)}`,
        });
      ports.add(id);
      if (p.nodePort !== undefined && spec.type !== "NodePort")
        out.push({
          field: `spec.ports[${i}].nodePort`,
          description: "Forbidden: may not be used when `type` is 'ClusterIP'",
        });
    });
    if (headless && spec.type !== "ClusterIP")
      out.push({
        field: "spec.clusterIP",
        description: 'Invalid value: "None": may only be set for type ClusterIP',
      });
    return out;
  }

  override validateUpdate(object: Obj, old: Obj): FieldViolation[] {
    const now = asService(object).spec?.clusterIP ?? "";
    const before = asService(old).spec?.clusterIP ?? "";
    if (before !== "" && now !== "" && now !== before)
      return [{ field: "spec.clusterIP", description: "Invalid value: field is immutable" }];
    return [];
  }
}
