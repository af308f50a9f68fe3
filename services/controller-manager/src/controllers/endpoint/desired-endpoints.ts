// What a Service's Endpoints should hold, from the Service and the Pods its selector
// matches (Kubernetes' endpoints controller): ready Pods as addresses, the others as
// notReadyAddresses; terminating Pods, Pods without an IP and finished Pods not at all.
// Every Service port becomes an endpoint port with the target port resolved per Pod.
import {
  EndpointSubset,
  type EndpointAddress,
  type Endpoints,
} from "@k8ts/sdk/gen/k8ts/api/v1/endpoints.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { Service } from "@k8ts/sdk/gen/k8ts/api/v1/service.js";
import { repackSubsets } from "./repack-subsets.js";
import { protocolOf, resolveTargetPort } from "./target-port.js";

/** Label Kubernetes puts on the Endpoints of a headless Service. */
export const HEADLESS_LABEL = "service.kubernetes.io/headless";

/** Whether the controller manages the Service's Endpoints (it has a selector). */
export function hasSelector(service: Service): boolean {
  return Object.keys(service.spec?.selector ?? {}).length > 0;
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/**
 * Whether the Pod appears in the Endpoints at all. A terminating Pod leaves at once (it
 * is neither ready nor not ready: traffic must stop before its containers do).
 */
export function isPodEndpoint(pod: Pod): boolean {
  if (pod.metadata?.deletionTimestamp !== undefined) return false;
  if ((pod.status?.podIP ?? "") === "") return false;
  const phase = pod.status?.phase ?? "";
  return phase !== "Failed" && phase !== "Succeeded";
}

function addressOf(pod: Pod): EndpointAddress {
  const meta = pod.metadata;
  const nodeName = pod.spec?.nodeName ?? "";
  return {
    ip: pod.status?.podIP ?? "",
    hostname: pod.spec?.hostname ?? "",
    nodeName: nodeName === "" ? undefined : nodeName,
    targetRef: {
      kind: "Pod",
      namespace: meta?.namespace ?? "",
      name: meta?.name ?? "",
      uid: meta?.uid ?? "",
      apiVersion: "",
      resourceVersion: "",
      fieldPath: "",
    },
  };
}

/** The subsets of `service`'s Endpoints, given the Pods its selector matches. */
export function desiredSubsets(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const spec = service.spec;
  const servicePorts = spec?.ports ?? [];
  const headless = spec?.clusterIP === "None";
  const subsets: EndpointSubset[] = [];
  for (const pod of pods) {
    if (!isPodEndpoint(pod)) continue;
    const address = addressOf(pod);
    const ready = isPodReady(pod);
    const subset = (ports: EndpointSubset["ports"]): EndpointSubset => ({
      addresses: ready ? [address] : [],
      notReadyAddresses: ready ? [] : [address],
      ports,
    });
    // A headless Service without ports still publishes its Pods' addresses.
    if (servicePorts.length === 0 && headless) {
      subsets.push(subset([]));
      continue;
    }
    for (const sp of servicePorts) {
      const port = resolveTargetPort(pod, sp);
      if (port === undefined) continue;
      subsets.push(subset([{ name: sp.name, port, protocol: protocolOf(sp.protocol) }]));
    }
  }
  return repackSubsets(subsets);
}

/** The Endpoints' labels: the Service's, plus the headless marker for a headless one. */
export function desiredLabels(service: Service): Record<string, string> {
  const labels: Record<string, string> = { ...service.metadata?.labels };
  delete labels[HEADLESS_LABEL];
  if (service.spec?.clusterIP === "None") labels[HEADLESS_LABEL] = "";
  return labels;
}

function canonicalSubsets(subsets: readonly EndpointSubset[]): string {
  return JSON.stringify(subsets.map((s) => EndpointSubset.toJSON(s)));
}

function canonicalLabels(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Whether `existing` already holds exactly these subsets and labels (no write needed). */
export function endpointsUpToDate(
  existing: Endpoints,
  subsets: readonly EndpointSubset[],
  labels: Readonly<Record<string, string>>,
): boolean {
  return (
    canonicalSubsets(existing.subsets) === canonicalSubsets(subsets) &&
    canonicalLabels(existing.metadata?.labels ?? {}) === canonicalLabels(labels)
  );
}
