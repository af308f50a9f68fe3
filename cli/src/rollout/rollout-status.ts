// What `rollout status` says about a Deployment, worded as kubectl's DeploymentStatusViewer:
// one line per state, done when every replica is updated and available, an error when the
// rollout has exceeded its progress deadline or is not the revision asked for.
import type { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { CliError } from "../errors/cli-error.js";
import { revisionOf } from "./replica-set-history.js";

export interface RolloutState {
  /** The line to print (no newline). */
  readonly message: string;
  /** The rollout is complete: stop watching. */
  readonly done: boolean;
}

/** The Progressing condition's reason once a rollout has stalled past its deadline. */
export const PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded";

/**
 * The state of the latest rollout. `revision` > 0 pins the revision: a Deployment at
 * another revision is an error, as with kubectl's `--revision`.
 */
export function deploymentRolloutState(d: Deployment, revision = 0): RolloutState {
  const name = d.metadata?.name ?? "";
  if (revision > 0) {
    const running = revisionOf(d.metadata) ?? 0;
    if (running !== revision)
      throw new CliError(
        `desired revision (${revision}) is different from the running revision (${running})`,
      );
  }
  const status = d.status;
  if ((d.metadata?.generation ?? 0) > (status?.observedGeneration ?? 0))
    return { message: "Waiting for deployment spec update to be observed...", done: false };
  const progressing = status?.conditions.find((c) => c.type === "Progressing");
  if (progressing?.reason === PROGRESS_DEADLINE_EXCEEDED)
    throw new CliError(`deployment "${name}" exceeded its progress deadline`);
  const updated = status?.updatedReplicas ?? 0;
  const replicas = d.spec?.replicas;
  const waiting = `Waiting for deployment "${name}" rollout to finish:`;
  if (replicas !== undefined && updated < replicas)
    return {
      message: `${waiting} ${updated} out of ${replicas} new replicas have been updated...`,
      done: false,
    };
  const total = status?.replicas ?? 0;
  if (total > updated)
    return {
      message: `${waiting} ${total - updated} old replicas are pending termination...`,
      done: false,
    };
  const available = status?.availableReplicas ?? 0;
  if (available < updated)
    return {
      message: `${waiting} ${available} of ${updated} updated replicas are available...`,
      done: false,
    };
  return { message: `deployment "${name}" successfully rolled out`, done: true };
}

/** Container waiting reasons that mean a pod will not become ready by itself soon. */
const STUCK_REASONS = new Set([
  "ImagePullBackOff",
  "ErrImagePull",
  "CrashLoopBackOff",
  "CreateContainerConfigError",
  "CreateContainerError",
]);

/**
 * Why the rollout may be stuck, from the Deployment's pods, as kubectl appends it to a
 * waiting line: an unschedulable pod, or a container that cannot start.
 */
export function podWarning(pods: readonly Pod[]): string | undefined {
  for (const pod of pods) {
    for (const c of pod.status?.conditions ?? [])
      if (c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable")
        return c.message;
    for (const cs of pod.status?.containerStatuses ?? []) {
      const state = cs.state?.state;
      if (state?.$case === "waiting" && STUCK_REASONS.has(state.value.reason))
        return `${state.value.reason} - ${state.value.message}`;
    }
  }
  return undefined;
}

/** "Waiting for ... (Warning: 0/3 nodes are available: ...)". */
export function withWarning(message: string, warning: string | undefined): string {
  return warning === undefined ? message : `${message} (Warning: ${warning})`;
}
