// The merge patches of `rollout pause`, `resume` and `restart`, with kubectl's refusals.
import type { KindInfo } from "@k8ts/sdk";
import type { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { CliError } from "../errors/cli-error.js";
import { pluralRef } from "../kinds/resource-names.js";

/** The template annotation whose change makes the controller replace every pod. */
export const RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";

function refusal(kind: KindInfo, d: Deployment, problem: string): CliError {
  return new CliError(`${pluralRef(kind)} "${d.metadata?.name ?? ""}" ${problem}`);
}

/** `{"spec":{"paused":true}}`; an error if it is already paused, as kubectl. */
export function pausePatch(kind: KindInfo, d: Deployment): Record<string, unknown> {
  if (d.spec?.paused === true) throw refusal(kind, d, "is already paused");
  return { spec: { paused: true } };
}

/** `{"spec":{"paused":false}}`; an error if it is not paused, as kubectl. */
export function resumePatch(kind: KindInfo, d: Deployment): Record<string, unknown> {
  if (d.spec?.paused !== true) throw refusal(kind, d, "is not paused");
  return { spec: { paused: false } };
}

/** Time as Go's RFC 3339 layout writes it: whole seconds, UTC as "Z". */
export function rfc3339(time: Date): string {
  return time.toISOString().replace(/\.\d+Z$/, "Z");
}

/** Sets the template's restartedAt annotation to `now`; a paused Deployment is refused. */
export function restartPatch(kind: KindInfo, d: Deployment, now: Date): Record<string, unknown> {
  if (d.spec?.paused === true)
    throw refusal(kind, d, "can't restart paused deployment (run rollout resume first)");
  return {
    spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: rfc3339(now) } } } },
  };
}
