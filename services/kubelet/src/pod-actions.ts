// What the kubelet must do to make a pod's runtime state match its spec, decided as a pure
// function of the two (Kubernetes' computePodActions): create a sandbox, run the next init
// container, start or restart containers (after their back-off), replace containers whose
// spec changed or that failed their liveness probe, or stop the pod once it is finished.
// Executing the actions is the pod worker's job.
import type { Container } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { ContainerState } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { containerHash } from "./container-config.js";
import {
  hasExited,
  isRunning,
  latestRun,
  latestSandbox,
  type ContainerRecord,
  type PodRuntimeState,
} from "./pod-runtime-state.js";
import type { ContainerType } from "./runtime-labels.js";

export interface ContainerToStart {
  readonly container: Container;
  readonly type: ContainerType;
  readonly restartCount: number;
  /** The run this one replaces (its exit starts the back-off), if any. */
  readonly previous: ContainerRecord | undefined;
}

export interface ContainerToKill {
  readonly record: ContainerRecord;
  /** For the Killing event: "Container web definition changed, will be restarted". */
  readonly message: string;
}

export interface BackingOff {
  readonly name: string;
  readonly remainingMs: number;
  readonly delayMs: number;
}

export interface PodActions {
  /** Create a sandbox with this attempt (after stopping what runs in the old one). */
  createSandbox: number | undefined;
  /** Stop every container and the sandbox: the pod is finished, or its sandbox is lost. */
  killPod: boolean;
  /** Remove these runs (created but never started, left by an interrupted start). */
  removeContainers: ContainerRecord[];
  killContainers: ContainerToKill[];
  startContainers: ContainerToStart[];
  /** Containers waiting out a back-off. */
  backingOff: BackingOff[];
}

export interface ActionInputs {
  readonly now: number;
  /** Remaining back-off of container `name` whose last run ended at `since`. */
  backoffRemaining(name: string, since: number): number;
  backoffDelay(name: string): number;
  /** Whether the prober wants run `containerId` restarted (liveness or startup failure). */
  probeFailed(containerId: string): boolean;
}

export function restartPolicyOf(pod: Pod): "Always" | "OnFailure" | "Never" {
  const p = pod.spec?.restartPolicy;
  return p === "OnFailure" || p === "Never" ? p : "Always";
}

function shouldRestart(pod: Pod, run: ContainerRecord): boolean {
  const policy = restartPolicyOf(pod);
  return policy === "Always" || (policy === "OnFailure" && run.exitCode !== 0);
}

/** Whether every init container has succeeded (in its newest run). */
export function initDone(pod: Pod, state: PodRuntimeState): boolean {
  return (pod.spec?.initContainers ?? []).every((c) => {
    const run = latestRun(state, c.name);
    return run !== undefined && hasExited(run) && run.exitCode === 0;
  });
}

/**
 * Whether the pod has finished for good: restartPolicy is not Always and no container
 * will run again (every container exited and will not restart, or an init container
 * failed under Never). Once true the kubelet never starts anything for the pod again.
 */
export function podFinished(pod: Pod, state: PodRuntimeState): boolean {
  if (restartPolicyOf(pod) === "Always") return false;
  for (const c of pod.spec?.initContainers ?? []) {
    const run = latestRun(state, c.name);
    if (run === undefined || !hasExited(run)) return false;
    if (run.exitCode !== 0) return !shouldRestart(pod, run);
  }
  const containers = pod.spec?.containers ?? [];
  return (
    containers.length > 0 &&
    containers.every((c) => {
      const run = latestRun(state, c.name);
      return run !== undefined && hasExited(run) && !shouldRestart(pod, run);
    })
  );
}

export function computePodActions(
  pod: Pod,
  state: PodRuntimeState,
  inputs: ActionInputs,
): PodActions {
  const actions: PodActions = {
    createSandbox: undefined,
    killPod: false,
    removeContainers: [],
    killContainers: [],
    startContainers: [],
    backingOff: [],
  };
  const spec = pod.spec;
  if (spec === undefined) return actions;
  if (podFinished(pod, state)) {
    actions.killPod = latestSandbox(state)?.ready === true || anyRunning(state);
    return actions;
  }

  const sandbox = latestSandbox(state);
  if (sandbox === undefined || !sandbox.ready) {
    const ranBefore = [...state.containers.values()].some((runs) => runs.length > 0);
    // Under restartPolicy Never a pod whose sandbox died after its containers ran is not
    // started again (its status shows what happened); otherwise everything starts over.
    if (sandbox !== undefined && ranBefore && restartPolicyOf(pod) === "Never") {
      actions.killPod = anyRunning(state);
      return actions;
    }
    actions.killPod = anyRunning(state);
    actions.createSandbox = sandbox === undefined ? 0 : sandbox.attempt + 1;
    const first = spec.initContainers[0];
    if (first !== undefined) actions.startContainers.push(next(first, "init", state, true));
    else
      for (const c of spec.containers)
        actions.startContainers.push(next(c, "regular", state, true));
    return actions;
  }

  for (const c of spec.initContainers) {
    const run = latestRun(state, c.name);
    if (run !== undefined && run.state === ContainerState.CONTAINER_STATE_CREATED) {
      actions.removeContainers.push(run);
      actions.startContainers.push(next(c, "init", state, true));
      return actions;
    }
    if (run === undefined) {
      actions.startContainers.push(next(c, "init", state, false));
      return actions;
    }
    if (isRunning(run)) {
      if (inputs.probeFailed(run.id))
        actions.killContainers.push({ record: run, message: `Container ${c.name} failed` });
      return actions;
    }
    if (run.exitCode === 0) continue;
    // Failed init container: restart it (after its back-off) unless the policy says never
    // (then podFinished above already holds).
    startAfterBackoff(c, "init", run, state, inputs, actions);
    return actions;
  }

  for (const c of spec.containers) {
    const run = latestRun(state, c.name);
    if (run === undefined) {
      actions.startContainers.push(next(c, "regular", state, false));
      continue;
    }
    if (run.state === ContainerState.CONTAINER_STATE_CREATED) {
      actions.removeContainers.push(run);
      actions.startContainers.push(next(c, "regular", state, true));
      continue;
    }
    if (isRunning(run)) {
      if (run.hash !== "" && run.hash !== containerHash(c)) {
        actions.killContainers.push({
          record: run,
          message: `Container ${c.name} definition changed, will be restarted`,
        });
        actions.startContainers.push(next(c, "regular", state, false));
      } else if (inputs.probeFailed(run.id)) {
        actions.killContainers.push({
          record: run,
          message: `Container ${c.name} failed liveness probe, will be restarted`,
        });
      }
      continue;
    }
    if (shouldRestart(pod, run)) startAfterBackoff(c, "regular", run, state, inputs, actions);
  }
  return actions;
}

function startAfterBackoff(
  c: Container,
  type: ContainerType,
  run: ContainerRecord,
  state: PodRuntimeState,
  inputs: ActionInputs,
  actions: PodActions,
): void {
  const since = run.finishedAt > 0 ? Math.floor(run.finishedAt / 1e6) : inputs.now;
  const remainingMs = inputs.backoffRemaining(c.name, since);
  if (remainingMs > 0)
    actions.backingOff.push({ name: c.name, remainingMs, delayMs: inputs.backoffDelay(c.name) });
  else actions.startContainers.push(next(c, type, state, false));
}

/** The next run of `c`: restart count one above its newest run (or that run's, when replacing it). */
function next(
  c: Container,
  type: ContainerType,
  state: PodRuntimeState,
  reuseCount: boolean,
): ContainerToStart {
  const run = latestRun(state, c.name);
  const restartCount =
    run === undefined
      ? 0
      : reuseCount && run.startedAt === 0
        ? run.restartCount
        : run.restartCount + 1;
  return { container: c, type, restartCount, previous: run };
}

function anyRunning(state: PodRuntimeState): boolean {
  for (const runs of state.containers.values()) if (runs.some((r) => isRunning(r))) return true;
  return false;
}
