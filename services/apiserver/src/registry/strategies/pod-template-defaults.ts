// Defaults and checks of a pod spec, shared by Pods and the templates of ReplicaSets and
// Deployments (as Kubernetes defaults templates the same way as pods).
import { compareQuantities, parseQuantity, type FieldViolation } from "@k8ts/sdk";
import type { Container, Probe } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import type { PodSpec } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";

export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

export function defaultPodSpec(spec: PodSpec): void {
  if (spec.restartPolicy === "") spec.restartPolicy = "Always";
  spec.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_SECONDS;
  if (spec.schedulerName === "") spec.schedulerName = "default-scheduler";
  for (const c of [...spec.initContainers, ...spec.containers]) defaultContainer(c);
}

function defaultContainer(c: Container): void {
  if (c.imagePullPolicy === "")
    c.imagePullPolicy = imageTag(c.image) === "latest" ? "Always" : "IfNotPresent";
  for (const p of c.ports) if (p.protocol === "") p.protocol = "TCP";
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe])
    if (probe !== undefined) defaultProbe(probe);
  // Kubernetes: limits without requests request what they limit.
  if (c.resources !== undefined) {
    for (const [name, q] of Object.entries(c.resources.limits))
      if (c.resources.requests[name] === undefined)
        c.resources.requests[name] = { string: q.string };
  }
}

function defaultProbe(p: Probe): void {
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.handler?.$case === "httpGet" && p.handler.value.scheme === "")
    p.handler.value.scheme = "HTTP";
}

/** The tag of an image reference ("latest" when none is given, "" for a digest). */
function imageTag(image: string): string {
  if (image.includes("@")) return "";
  const lastSlash = image.lastIndexOf("/");
  const colon = image.indexOf(":", lastSlash + 1);
  return colon < 0 ? "latest" : image.slice(colon + 1);
}

export function validatePodSpec(spec: PodSpec, path: string): FieldViolation[] {
  const out: FieldViolation[] = [];
  const names = new Set<string>();
  const check = (list: Container[], listName: string, init: boolean): void => {
    list.forEach((c, i) => {
      const at = `${path}.${listName}[${i}]`;
      if (names.has(c.name))
        out.push({
          field: `${at}.name`,
          description: `Duplicate value: ${JSON.stringify(c.name)}`,
        });
      names.add(c.name);
      const portNames = new Set<string>();
      c.ports.forEach((p, j) => {
        if (p.name === "") return;
        if (portNames.has(p.name))
          out.push({
            field: `${at}.ports[${j}].name`,
            description: `Duplicate value: ${JSON.stringify(p.name)}`,
          });
        portNames.add(p.name);
      });
      const probes: Array<[string, Probe | undefined]> = [
        ["livenessProbe", c.livenessProbe],
        ["readinessProbe", c.readinessProbe],
        ["startupProbe", c.startupProbe],
      ];
      for (const [probeName, probe] of probes) {
        if (probe === undefined) continue;
        if (init) {
          out.push({
            field: `${at}.${probeName}`,
            description: "Forbidden: may not be set for init containers",
          });
          continue;
        }
        if (probe.handler === undefined)
          out.push({
            field: `${at}.${probeName}`,
            description: "Required value: must specify a handler type",
          });
        if (
          probeName !== "readinessProbe" &&
          probe.successThreshold !== undefined &&
          probe.successThreshold !== 1
        )
          out.push({
            field: `${at}.${probeName}.successThreshold`,
            description: "Invalid value: must be 1",
          });
      }
      if (c.resources !== undefined) {
        for (const [name, limit] of Object.entries(c.resources.limits)) {
          const request = c.resources.requests[name];
          if (
            request !== undefined &&
            compareQuantities(parseQuantity(request.string), parseQuantity(limit.string)) > 0
          )
            out.push({
              field: `${at}.resources.requests.${name}`,
              description: `Invalid value: "${request.string}": must be less than or equal to ${name} limit of ${limit.string}`,
            });
        }
      }
    });
  };
  check(spec.initContainers, "initContainers", true);
  check(spec.containers, "containers", false);
  return out;
}

/** Kubernetes' QoS class: Guaranteed, Burstable or BestEffort. */
export function qosClass(spec: PodSpec): string {
  const all = [...spec.initContainers, ...spec.containers];
  let any = false;
  let guaranteed = true;
  for (const c of all) {
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const r of ["cpu", "memory"]) {
      const l = limits[r];
      const q = requests[r];
      if (l === undefined || (q !== undefined && q.string !== l.string)) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}
