// The labels and annotations the kubelet puts on every sandbox and container it creates.
// They are the only state a restarted kubelet needs to adopt what runs (ARCHITECTURE 4.3):
// which pod a sandbox or container belongs to, which container of the spec it runs, the
// spec it was created from (hash) and its restart count. Names as Kubernetes' kubelet
// writes them, so people who know `crictl inspect` recognise them.

export const POD_UID_LABEL = "io.kubernetes.pod.uid";
export const POD_NAME_LABEL = "io.kubernetes.pod.name";
export const POD_NAMESPACE_LABEL = "io.kubernetes.pod.namespace";
export const CONTAINER_NAME_LABEL = "io.kubernetes.container.name";
/** "init" for init containers, "regular" for the others. */
export const CONTAINER_TYPE_LABEL = "io.kubernetes.container.type";

export const CONTAINER_HASH_ANNOTATION = "io.kubernetes.container.hash";
export const RESTART_COUNT_ANNOTATION = "io.kubernetes.container.restartCount";
export const TERMINATION_GRACE_ANNOTATION = "io.kubernetes.pod.terminationGracePeriod";

export type ContainerType = "init" | "regular";

export interface PodIdentity {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
}

export function podLabels(pod: PodIdentity): Record<string, string> {
  return {
    [POD_UID_LABEL]: pod.uid,
    [POD_NAME_LABEL]: pod.name,
    [POD_NAMESPACE_LABEL]: pod.namespace,
  };
}

export function containerLabels(
  pod: PodIdentity,
  name: string,
  type: ContainerType,
): Record<string, string> {
  return { ...podLabels(pod), [CONTAINER_NAME_LABEL]: name, [CONTAINER_TYPE_LABEL]: type };
}
