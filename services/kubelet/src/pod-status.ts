// The PodStatus the kubelet reports, computed as a pure function of the pod, what the
// runtime runs for it, the prober's results and why containers wait (Kubernetes'
// generateAPIPodStatus + getPhase): phase, Initialized/ContainersReady/Ready conditions,
// container states with the previous run as lastState, restart counts, pod and host IPs.
// Timestamps of unchanged conditions are kept, so an unchanged pod computes an identical
// status and nothing is written.
import type {
  ContainerState as ApiContainerState,
  ContainerStatus,
} from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import { PodStatus, type Pod, type PodCondition } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import {
  hasExited,
  isRunning,
  latestRun,
  previousRun,
  type ContainerRecord,
  type PodRuntimeState,
} from "./pod-runtime-state.js";
import { initDone, podFinished, restartPolicyOf } from "./pod-actions.js";

export interface WaitingReason {
  readonly reason: string;
  readonly message: string;
}

export interface StatusInputs {
  readonly runtimeName: string;
  readonly podIP: string;
  readonly hostIP: string;
  readonly now: Date;
  /** Why a container is waiting, when the kubelet knows better than "ContainerCreating". */
  waiting(name: string): WaitingReason | undefined;
  ready(name: string, containerId: string): boolean;
  started(name: string, containerId: string): boolean;
}

const nsToDate = (ns: number): Date | undefined =>
  ns > 0 ? new Date(Math.floor(ns / 1e6)) : undefined;

function terminated(run: ContainerRecord, runtimeName: string): ApiContainerState {
  return {
    state: {
      $case: "terminated",
      value: {
        exitCode: run.exitCode,
        signal: run.exitCode > 128 && run.exitCode < 160 ? run.exitCode - 128 : 0,
        reason: run.reason || (run.exitCode === 0 ? "Completed" : "Error"),
        message: run.message,
        startedAt: nsToDate(run.startedAt),
        finishedAt: nsToDate(run.finishedAt),
        containerID: `${runtimeName}://${run.id}`,
      },
    },
  };
}

function waitingState(reason: string, message = ""): ApiContainerState {
  return { state: { $case: "waiting", value: { reason, message } } };
}

function containerStatus(
  pod: Pod,
  name: string,
  image: string,
  state: PodRuntimeState,
  inputs: StatusInputs,
  defaultWaiting: string,
  finished: boolean,
): ContainerStatus {
  const run = latestRun(state, name);
  const prev = previousRun(state, name);
  const waiting = inputs.waiting(name);
  const base = {
    name,
    image,
    imageID: run?.imageRef ?? "",
    containerID: run === undefined ? "" : `${inputs.runtimeName}://${run.id}`,
    restartCount: run?.restartCount ?? 0,
  };
  if (run === undefined)
    return {
      ...base,
      state: waitingState(waiting?.reason ?? defaultWaiting, waiting?.message ?? ""),
      lastState: undefined,
      ready: false,
      started: false,
    };
  const lastState =
    prev !== undefined && hasExited(prev) ? terminated(prev, inputs.runtimeName) : undefined;
  if (isRunning(run))
    return {
      ...base,
      state: { state: { $case: "running", value: { startedAt: nsToDate(run.startedAt) } } },
      lastState,
      ready: inputs.ready(name, run.id),
      started: inputs.started(name, run.id),
    };
  if (hasExited(run)) {
    const restarting =
      !finished && pod.metadata?.deletionTimestamp === undefined && waiting !== undefined;
    if (restarting)
      return {
        ...base,
        state: waitingState(waiting.reason, waiting.message),
        lastState: terminated(run, inputs.runtimeName),
        ready: false,
        started: false,
      };
    return {
      ...base,
      state: terminated(run, inputs.runtimeName),
      lastState,
      ready: false,
      started: false,
    };
  }
  return {
    ...base,
    state: waitingState(waiting?.reason ?? defaultWaiting, waiting?.message ?? ""),
    lastState,
    ready: false,
    started: false,
  };
}

type Phase = "Pending" | "Running" | "Succeeded" | "Failed";

function phaseOf(pod: Pod, state: PodRuntimeState, statuses: ContainerStatus[]): Phase {
  const policy = restartPolicyOf(pod);
  for (const c of pod.spec?.initContainers ?? []) {
    const run = latestRun(state, c.name);
    if (run !== undefined && hasExited(run) && run.exitCode !== 0 && policy === "Never")
      return "Failed";
  }
  if (!initDone(pod, state)) return "Pending";
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    const st = s.state?.state;
    if (st?.$case === "running") running++;
    else if (st?.$case === "terminated") {
      stopped++;
      if (st.value.exitCode === 0) succeeded++;
    } else if (s.lastState?.state?.$case === "terminated") stopped++;
    else waiting++;
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped === 0) return "Pending";
  if (policy === "Always") return "Running";
  if (!podFinished(pod, state)) return "Running";
  return stopped === succeeded ? "Succeeded" : "Failed";
}

function condition(
  previous: readonly PodCondition[],
  type: string,
  ok: boolean,
  reason: string,
  message: string,
  now: Date,
): PodCondition {
  const status = ok ? "True" : "False";
  const before = previous.find((c) => c.type === type);
  const same = before !== undefined && before.status === status;
  return {
    type,
    status,
    lastProbeTime: undefined,
    lastTransitionTime: same ? before.lastTransitionTime : now,
    reason: ok ? "" : reason,
    message: ok ? "" : message,
  };
}

export function computePodStatus(
  pod: Pod,
  state: PodRuntimeState,
  inputs: StatusInputs,
): PodStatus {
  const old = pod.status ?? PodStatus.fromPartial({});
  const spec = pod.spec;
  const finished = podFinished(pod, state);
  const inited = initDone(pod, state);
  const initStatuses = (spec?.initContainers ?? []).map((c) =>
    containerStatus(pod, c.name, c.image, state, inputs, "PodInitializing", finished),
  );
  const statuses = (spec?.containers ?? []).map((c) =>
    containerStatus(
      pod,
      c.name,
      c.image,
      state,
      inputs,
      inited ? "ContainerCreating" : "PodInitializing",
      finished,
    ),
  );
  // A terminal phase is final: the kubelet never reports a finished pod as running again.
  const phase: Phase =
    old.phase === "Succeeded" || old.phase === "Failed" ? old.phase : phaseOf(pod, state, statuses);
  const terminal = phase === "Succeeded" || phase === "Failed";
  const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
  const incomplete = initStatuses
    .filter((s) => !(s.state?.state?.$case === "terminated" && s.state.state.value.exitCode === 0))
    .map((s) => s.name);
  const ready = !terminal && unready.length === 0;
  const notReadyReason = terminal ? "PodCompleted" : "ContainersNotReady";
  const notReadyMessage = terminal ? "" : `containers with unready status: [${unready.join(" ")}]`;
  const previous = old.conditions;
  const kept = previous.filter(
    (c) => !["Initialized", "ContainersReady", "Ready"].includes(c.type),
  );
  const conditions = [
    ...kept,
    condition(
      previous,
      "Initialized",
      inited || terminal,
      terminal ? "PodCompleted" : "ContainersNotInitialized",
      terminal ? "" : `containers with incomplete status: [${incomplete.join(" ")}]`,
      inputs.now,
    ),
    condition(previous, "ContainersReady", ready, notReadyReason, notReadyMessage, inputs.now),
    condition(previous, "Ready", ready, notReadyReason, notReadyMessage, inputs.now),
  ];
  return PodStatus.fromPartial({
    ...old,
    phase,
    conditions,
    hostIP: inputs.hostIP,
    podIP: inputs.podIP,
    podIPs: inputs.podIP === "" ? [] : [{ ip: inputs.podIP }],
    startTime: old.startTime ?? inputs.now,
    initContainerStatuses: initStatuses,
    containerStatuses: statuses,
  });
}

/** Whether two statuses would print the same (what decides if a write is needed). */
export function sameStatus(a: PodStatus | undefined, b: PodStatus): boolean {
  return (
    JSON.stringify(PodStatus.toJSON(a ?? PodStatus.fromPartial({}))) ===
    JSON.stringify(PodStatus.toJSON(b))
  );
}
