// Which pod and container `logs` and `exec` talk to, kubectl's way: `POD` or `pod/POD`;
// without -c, the container named by the kubectl.kubernetes.io/default-container
// annotation, else the first one (saying so when the pod has others).
import { ApiStatusError } from "@k8ts/sdk";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { CliError } from "../errors/cli-error.js";
import { pluralRef, resolveKind } from "../kinds/resource-names.js";
import type { Output } from "../io.js";
import type { Session } from "../session.js";

export const DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

/** The pod name of `POD` or `TYPE/POD` (pods only). */
export function podNameOf(arg: string, command: string): string {
  const slash = arg.indexOf("/");
  if (slash < 0) return arg;
  const kind = resolveKind(arg.slice(0, slash));
  const name = arg.slice(slash + 1);
  if (kind.kind !== "Pod")
    throw new CliError(`cannot ${command} ${pluralRef(kind)} "${name}": only pods are supported`);
  if (name === "") throw new CliError(`arguments in resource/name form must have a name: "${arg}"`);
  return name;
}

/** Reads the pod, so a missing one reads `pods "x" not found` and -c can be checked. */
export async function getPod(session: Session, name: string): Promise<Pod> {
  try {
    return await session.api.kind("Pod").get(name, { namespace: session.namespace });
  } catch (e) {
    if (e instanceof ApiStatusError)
      throw session.failure(e, { subject: { kind: resolveKind("Pod"), name } });
    throw e;
  }
}

/** "a, b, init (init)", as kubectl lists a pod's containers. */
export function allContainerNames(pod: Pod): string {
  return [
    ...(pod.spec?.containers ?? []).map((c) => c.name),
    ...(pod.spec?.initContainers ?? []).map((c) => `${c.name} (init)`),
  ].join(", ");
}

function hasContainer(pod: Pod, name: string): boolean {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some(
    (c) => c.name === name,
  );
}

/**
 * The container to use: `requested` (which must exist), else the default one. Writes
 * kubectl's `Defaulted container "a" out of: a, b` note to `warn` when it picks the first
 * of several.
 */
export function chooseContainer(
  pod: Pod,
  requested: string | undefined,
  warn: Output,
  notValid: (name: string) => string,
): string {
  const podName = pod.metadata?.name ?? "";
  if (requested !== undefined && requested !== "") {
    if (!hasContainer(pod, requested)) throw new CliError(notValid(requested));
    return requested;
  }
  const annotated = pod.metadata?.annotations[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated !== undefined && annotated !== "") {
    if (hasContainer(pod, annotated)) return annotated;
    warn.write(`Default container name "${annotated}" not found in pod ${podName}\n`);
  }
  const containers = pod.spec?.containers ?? [];
  const first = containers[0];
  if (first === undefined) throw new CliError(`pod ${podName} does not have any containers`);
  if (containers.length > 1 || (pod.spec?.initContainers.length ?? 0) > 0)
    warn.write(`Defaulted container "${first.name}" out of: ${allContainerNames(pod)}\n`);
  return first.name;
}
