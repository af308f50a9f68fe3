// The runtime ContainerConfig and PodSandboxConfig for a pod's spec, and the hash of a
// container's spec that tells the kubelet a running container no longer matches it (an
// image change through a rolling update of a bare pod, say) and must be replaced.
import { createHash } from "node:crypto";
import { parseQuantity } from "@k8ts/sdk";
import { Container } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type {
  ContainerConfig,
  ContainerResources,
  PodSandboxConfig,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { resolveContainerEnv, type PodFieldValues } from "./container-env.js";
import {
  CONTAINER_HASH_ANNOTATION,
  RESTART_COUNT_ANNOTATION,
  TERMINATION_GRACE_ANNOTATION,
  containerLabels,
  podLabels,
  type ContainerType,
  type PodIdentity,
} from "./runtime-labels.js";

export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;

export function podIdentity(pod: Pod): PodIdentity {
  return {
    uid: pod.metadata?.uid ?? "",
    name: pod.metadata?.name ?? "",
    namespace: pod.metadata?.namespace ?? "",
  };
}

/**
 * Hash of what the runtime was given for a container: changing any of it means the
 * container must be recreated. Probes and resources requests are left out (a probe change
 * does not restart a container in Kubernetes either).
 */
export function containerHash(c: Container): string {
  const relevant = Container.toJSON(
    Container.fromPartial({
      name: c.name,
      image: c.image,
      command: c.command,
      args: c.args,
      workingDir: c.workingDir,
      ports: c.ports,
      env: c.env,
      resources: c.resources,
      stdin: c.stdin,
      tty: c.tty,
    }),
  );
  return createHash("sha256").update(JSON.stringify(relevant)).digest("hex").slice(0, 16);
}

export function sandboxConfig(pod: Pod, attempt: number): PodSandboxConfig {
  const id = podIdentity(pod);
  return {
    metadata: { name: id.name, uid: id.uid, namespace: id.namespace, attempt },
    hostname: pod.spec?.hostname || id.name,
    hostNetwork: pod.spec?.hostNetwork ?? false,
    dnsConfig: undefined,
    labels: podLabels(id),
    annotations: {},
  };
}

function quantityMillis(q: { string: string } | undefined): number {
  if (q === undefined || q.string === "") return 0;
  return Number(parseQuantity(q.string).milli);
}

export function containerResources(c: Container): ContainerResources {
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  return {
    cpuRequestMillis: quantityMillis(requests.cpu),
    cpuLimitMillis: quantityMillis(limits.cpu),
    memoryLimitBytes: Math.ceil(quantityMillis(limits.memory) / 1000),
  };
}

export function containerConfig(
  pod: Pod,
  container: Container,
  type: ContainerType,
  restartCount: number,
  values: PodFieldValues,
): ContainerConfig {
  const resolved = resolveContainerEnv(pod, container, values);
  return {
    metadata: { name: container.name, attempt: restartCount },
    image: { image: container.image },
    command: resolved.command,
    args: resolved.args,
    workingDir: container.workingDir,
    envs: resolved.env,
    resources: containerResources(container),
    stdin: container.stdin,
    tty: container.tty,
    labels: containerLabels(podIdentity(pod), container.name, type),
    annotations: {
      [CONTAINER_HASH_ANNOTATION]: containerHash(container),
      [RESTART_COUNT_ANNOTATION]: String(restartCount),
      [TERMINATION_GRACE_ANNOTATION]: String(terminationGraceSeconds(pod)),
    },
  };
}

/** Seconds a pod's containers get to stop: the deletion's grace period, else the spec's. */
export function terminationGraceSeconds(pod: Pod): number {
  return (
    pod.metadata?.deletionGracePeriodSeconds ??
    pod.spec?.terminationGracePeriodSeconds ??
    DEFAULT_TERMINATION_GRACE_SECONDS
  );
}
