// A Pod's READY, STATUS and RESTARTS columns, worked out as kubectl's printPod does: the
// phase, overridden by the first unfinished init container, then by the last container
// that is waiting or terminated; "Terminating" once deletion started.
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { ContainerStatus } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import { age } from "./age.js";

export interface PodSummary {
  /** "1/2": ready containers / containers. */
  readonly ready: string;
  readonly status: string;
  /** "0", or "3 (2m ago)" with the age of the last restart. */
  readonly restarts: string;
}

function lastTermination(c: ContainerStatus): Date | undefined {
  const last = c.lastState?.state;
  return last?.$case === "terminated" ? last.value.finishedAt : undefined;
}

function later(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a.getTime() >= b.getTime() ? a : b;
}

function conditionTrue(pod: Pod, type: string): boolean {
  return pod.status?.conditions.some((c) => c.type === type && c.status === "True") ?? false;
}

export function podSummary(pod: Pod, now: Date): PodSummary {
  const status = pod.status;
  const containers = pod.spec?.containers.length ?? 0;
  const initCount = pod.spec?.initContainers.length ?? 0;
  let reason = status?.phase || "Pending";
  if (status !== undefined && status.reason !== "") reason = status.reason;
  let restarts = 0;
  let lastRestart: Date | undefined;
  let readyContainers = 0;

  let initializing = false;
  const initStatuses = status?.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    if (c === undefined) continue;
    restarts += c.restartCount;
    lastRestart = later(lastRestart, lastTermination(c));
    const state = c.state?.state;
    if (state?.$case === "terminated" && state.value.exitCode === 0) continue;
    initializing = true;
    if (state?.$case === "terminated") {
      const t = state.value;
      if (t.reason !== "") reason = `Init:${t.reason}`;
      else reason = t.signal !== 0 ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
    } else if (
      state?.$case === "waiting" &&
      state.value.reason !== "" &&
      state.value.reason !== "PodInitializing"
    ) {
      reason = `Init:${state.value.reason}`;
    } else {
      reason = `Init:${i}/${initCount}`;
    }
    break;
  }

  if (!initializing || conditionTrue(pod, "Initialized")) {
    restarts = 0;
    let hasRunning = false;
    const statuses = status?.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      if (c === undefined) continue;
      restarts += c.restartCount;
      lastRestart = later(lastRestart, lastTermination(c));
      const state = c.state?.state;
      if (state?.$case === "waiting" && state.value.reason !== "") reason = state.value.reason;
      else if (state?.$case === "terminated") {
        const t = state.value;
        if (t.reason !== "") reason = t.reason;
        else reason = t.signal !== 0 ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
      } else if (c.ready && state?.$case === "running") {
        hasRunning = true;
        readyContainers++;
      }
    }
    if (reason === "Completed" && hasRunning)
      reason = conditionTrue(pod, "Ready") ? "Running" : "NotReady";
  }

  if (pod.metadata?.deletionTimestamp !== undefined)
    reason = status?.reason === "NodeLost" ? "Unknown" : "Terminating";

  const restartText =
    restarts !== 0 && lastRestart !== undefined
      ? `${restarts} (${age(lastRestart, now)} ago)`
      : String(restarts);
  return { ready: `${readyContainers}/${containers}`, status: reason, restarts: restartText };
}
