// maxSurge and maxUnavailable of a rolling update resolved against spec.replicas, as
// Kubernetes does: a percentage of the surge rounds up, of the unavailable rounds down,
// and when both come to 0 (only by rounding: the apiserver refuses two explicit zeros)
// maxUnavailable becomes 1 so a rollout can still move.
import type { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { IntOrString } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";

export const RECREATE = "Recreate";
export const ROLLING_UPDATE = "RollingUpdate";

/** spec.replicas (the apiserver defaults it to 1). */
export function desiredReplicas(d: Deployment): number {
  return d.spec?.replicas ?? 1;
}

/** The strategy type (the apiserver defaults it to RollingUpdate). */
export function strategyType(d: Deployment): string {
  const t = d.spec?.strategy?.type ?? "";
  return t === "" ? ROLLING_UPDATE : t;
}

export function isRollingUpdate(d: Deployment): boolean {
  return strategyType(d) === ROLLING_UPDATE;
}

export class InvalidIntOrPercentError extends Error {
  constructor(readonly value: string) {
    super(
      `invalid value for IntOrString: ${JSON.stringify(value)} is not an integer or a percentage`,
    );
    this.name = "InvalidIntOrPercentError";
  }
}

/**
 * An int as is, or "N%" of `total` rounded up or down (Kubernetes'
 * GetScaledValueFromIntOrPercent); unset is `fallback`.
 */
export function scaledValue(
  v: IntOrString | undefined,
  total: number,
  roundUp: boolean,
  fallback = 0,
): number {
  const value = v?.value;
  if (value === undefined) return fallback;
  if (value.$case === "intVal") return value.value;
  const m = /^(\d+)%$/.exec(value.value);
  if (m === null) throw new InvalidIntOrPercentError(value.value);
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** [maxSurge, maxUnavailable] for `replicas` (Kubernetes' ResolveFenceposts). */
export function resolveFenceposts(
  maxSurge: IntOrString | undefined,
  maxUnavailable: IntOrString | undefined,
  replicas: number,
): [surge: number, unavailable: number] {
  const surge = scaledValue(maxSurge, replicas, true);
  let unavailable = scaledValue(maxUnavailable, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

/** Pods a rolling update may run beyond spec.replicas (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, desiredReplicas(d))[0];
}

/** Pods a rolling update may have unavailable (0 for Recreate and for 0 replicas). */
export function maxUnavailable(d: Deployment): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  const unavailable = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas)[1];
  return Math.min(unavailable, replicas);
}
