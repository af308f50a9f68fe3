// What the runtime runs for each pod, grouped from ListPodSandbox + ListContainers by the
// pod-uid label: the kubelet's view of reality, rebuilt on every relist (nothing else is
// remembered across restarts).
import {
  ContainerState,
  PodSandboxState,
  type Container,
  type ContainerStatus,
  type PodSandbox,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import {
  CONTAINER_HASH_ANNOTATION,
  CONTAINER_NAME_LABEL,
  CONTAINER_TYPE_LABEL,
  POD_NAME_LABEL,
  POD_NAMESPACE_LABEL,
  POD_UID_LABEL,
  RESTART_COUNT_ANNOTATION,
  type ContainerType,
} from "./runtime-labels.js";

export interface SandboxRecord {
  readonly id: string;
  readonly ready: boolean;
  readonly attempt: number;
  readonly createdAt: number;
}

/** One run of a container (one runtime container), newest information the kubelet has. */
export interface ContainerRecord {
  readonly id: string;
  readonly sandboxId: string;
  readonly name: string;
  readonly type: ContainerType;
  readonly state: ContainerState;
  /** Restart count of this run (0 for the first). */
  readonly restartCount: number;
  readonly hash: string;
  readonly image: string;
  readonly imageRef: string;
  readonly createdAt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly exitCode: number;
  readonly reason: string;
  readonly message: string;
}

export interface PodRuntimeState {
  readonly uid: string;
  readonly name: string;
  readonly namespace: string;
  /** Newest first. */
  readonly sandboxes: SandboxRecord[];
  /** Newest run first, per container name. */
  readonly containers: Map<string, ContainerRecord[]>;
}

export function emptyRuntimeState(uid: string, name = "", namespace = ""): PodRuntimeState {
  return { uid, name, namespace, sandboxes: [], containers: new Map() };
}

/** The newest run of container `name`, if any. */
export function latestRun(state: PodRuntimeState, name: string): ContainerRecord | undefined {
  return state.containers.get(name)?.[0];
}

/** The run before the newest one (what `logs --previous` reads). */
export function previousRun(state: PodRuntimeState, name: string): ContainerRecord | undefined {
  return state.containers.get(name)?.[1];
}

export function latestSandbox(state: PodRuntimeState): SandboxRecord | undefined {
  return state.sandboxes[0];
}

export function sandboxRecord(s: PodSandbox): SandboxRecord {
  return {
    id: s.id,
    ready: s.state === PodSandboxState.POD_SANDBOX_STATE_READY,
    attempt: s.metadata?.attempt ?? 0,
    createdAt: s.createdAt,
  };
}

/** A record from a ContainerStatus answer (has exit code, times and reason). */
export function containerRecord(s: ContainerStatus, sandboxId: string): ContainerRecord {
  return {
    id: s.id,
    sandboxId,
    name: s.labels[CONTAINER_NAME_LABEL] ?? s.metadata?.name ?? "",
    type: s.labels[CONTAINER_TYPE_LABEL] === "init" ? "init" : "regular",
    state: s.state,
    restartCount: restartCountOf(s.annotations, s.metadata?.attempt),
    hash: s.annotations[CONTAINER_HASH_ANNOTATION] ?? "",
    image: s.image?.image ?? "",
    imageRef: s.imageRef,
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    exitCode: s.exitCode,
    reason: s.reason,
    message: s.message,
  };
}

function restartCountOf(annotations: Record<string, string>, attempt: number | undefined): number {
  const n = Number(annotations[RESTART_COUNT_ANNOTATION]);
  return Number.isInteger(n) && n >= 0 ? n : (attempt ?? 0);
}

/** The pod uid a listed sandbox or container belongs to ("" for foreign objects). */
export function podUidOf(labels: Record<string, string>): string {
  return labels[POD_UID_LABEL] ?? "";
}

/**
 * Groups a relist into per-pod state. `statuses` holds the ContainerStatus of each listed
 * container (by id) for exit codes and times; a container without one (removed between
 * the list and the status call) is left out.
 */
export function groupRuntimeState(
  sandboxes: readonly PodSandbox[],
  containers: readonly Container[],
  statuses: ReadonlyMap<string, ContainerStatus>,
): Map<string, PodRuntimeState> {
  const pods = new Map<string, PodRuntimeState>();
  const podOf = (labels: Record<string, string>): PodRuntimeState | undefined => {
    const uid = podUidOf(labels);
    if (uid === "") return undefined;
    let state = pods.get(uid);
    if (state === undefined) {
      state = emptyRuntimeState(
        uid,
        labels[POD_NAME_LABEL] ?? "",
        labels[POD_NAMESPACE_LABEL] ?? "",
      );
      pods.set(uid, state);
    }
    return state;
  };
  for (const s of sandboxes) podOf(s.labels)?.sandboxes.push(sandboxRecord(s));
  for (const c of containers) {
    const status = statuses.get(c.id);
    const pod = podOf(c.labels);
    if (status === undefined || pod === undefined) continue;
    const record = containerRecord(status, c.podSandboxId);
    const runs = pod.containers.get(record.name) ?? [];
    runs.push(record);
    pod.containers.set(record.name, runs);
  }
  for (const pod of pods.values()) {
    pod.sandboxes.sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
    for (const runs of pod.containers.values())
      runs.sort((a, b) => b.restartCount - a.restartCount || b.createdAt - a.createdAt);
  }
  return pods;
}

export function isRunning(c: ContainerRecord | undefined): boolean {
  return c?.state === ContainerState.CONTAINER_STATE_RUNNING;
}

export function hasExited(c: ContainerRecord | undefined): boolean {
  return (
    c?.state === ContainerState.CONTAINER_STATE_EXITED ||
    c?.state === ContainerState.CONTAINER_STATE_UNKNOWN
  );
}
