import { describe, expect, it } from "vitest";
import { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { deployment, replicaSet } from "./deployment-fixtures.js";
import {
  AVAILABLE,
  NEW_REPLICA_SET_AVAILABLE,
  PROGRESSING,
  PROGRESS_DEADLINE_EXCEEDED,
  REPLICA_FAILURE,
  REPLICA_SET_UPDATED,
  getCondition,
  newCondition,
} from "./deployment-conditions.js";
import { calculateStatus, rolloutStatus, sameStatus } from "./deployment-status.js";

const t = (s: number) => new Date(1_700_000_000_000 + s * 1000);

describe("the Deployment status", () => {
  it("sums the ReplicaSets' counts", () => {
    const d = deployment({ replicas: 4, generation: 3 });
    const old = replicaSet("old", { replicas: 2, actual: 3, ready: 2, available: 2 });
    const neu = replicaSet("new", { replicas: 3, actual: 2, ready: 2, available: 1 });
    expect(calculateStatus([old, neu], neu, d, t(0))).toMatchObject({
      observedGeneration: 3,
      replicas: 5,
      updatedReplicas: 2,
      readyReplicas: 4,
      availableReplicas: 3,
      unavailableReplicas: 2,
    });
  });

  it("reports Available when at least replicas - maxUnavailable are available", () => {
    const d = deployment({ replicas: 4, maxUnavailable: 1 });
    const ok = calculateStatus(
      [replicaSet("a", { replicas: 4, available: 3 })],
      undefined,
      d,
      t(0),
    );
    expect(getCondition(ok, AVAILABLE)).toMatchObject({
      status: "True",
      reason: "MinimumReplicasAvailable",
    });
    const low = calculateStatus(
      [replicaSet("a", { replicas: 4, available: 2 })],
      undefined,
      d,
      t(0),
    );
    expect(getCondition(low, AVAILABLE)).toMatchObject({
      status: "False",
      reason: "MinimumReplicasUnavailable",
    });
    expect(low.unavailableReplicas).toBe(2);
  });
});

describe("the rollout status", () => {
  const base = deployment({ replicas: 2, progressDeadlineSeconds: 10 });
  const withStatus = (updated: number, reason: string, at: Date) =>
    Deployment.fromPartial({
      ...base,
      status: {
        observedGeneration: 1,
        replicas: 3,
        updatedReplicas: updated,
        readyReplicas: 3,
        availableReplicas: 3,
        conditions: [newCondition(PROGRESSING, "True", reason, "", at)],
      },
    });

  it("is NewReplicaSetAvailable once every replica is updated and available", () => {
    const d = withStatus(1, REPLICA_SET_UPDATED, t(0));
    const neu = replicaSet("new", { replicas: 2 });
    const s = rolloutStatus([replicaSet("old", { replicas: 0 }), neu], neu, d, t(5));
    expect(getCondition(s, PROGRESSING)).toMatchObject({
      status: "True",
      reason: NEW_REPLICA_SET_AVAILABLE,
      message: 'ReplicaSet "new" has successfully progressed.',
    });
  });

  it("moves lastUpdateTime on progress", () => {
    const d = withStatus(1, REPLICA_SET_UPDATED, t(0));
    const old = replicaSet("old", { replicas: 1 });
    const neu = replicaSet("new", { replicas: 2, available: 1 });
    const c = getCondition(rolloutStatus([old, neu], neu, d, t(5)), PROGRESSING);
    expect(c).toMatchObject({
      reason: REPLICA_SET_UPDATED,
      lastUpdateTime: t(5),
      lastTransitionTime: t(0),
    });
  });

  it("is ProgressDeadlineExceeded after progressDeadlineSeconds without progress", () => {
    const d = withStatus(2, REPLICA_SET_UPDATED, t(0));
    const old = replicaSet("old", { replicas: 1 });
    const neu = replicaSet("new", { replicas: 2, available: 0, ready: 0 });
    const before = rolloutStatus([old, neu], neu, d, t(9));
    expect(getCondition(before, PROGRESSING)?.reason).toBe(REPLICA_SET_UPDATED);
    const after = rolloutStatus([old, neu], neu, d, t(11));
    expect(getCondition(after, PROGRESSING)).toMatchObject({
      status: "False",
      reason: PROGRESS_DEADLINE_EXCEEDED,
      message: 'ReplicaSet "new" has timed out progressing.',
    });
  });

  it("has no Progressing condition without a deadline", () => {
    const d = Deployment.fromPartial({
      ...withStatus(1, REPLICA_SET_UPDATED, t(0)),
      spec: { ...base.spec, progressDeadlineSeconds: 2_147_483_647 },
    });
    const neu = replicaSet("new", { replicas: 2 });
    expect(getCondition(rolloutStatus([neu], neu, d, t(1)), PROGRESSING)).toBeUndefined();
  });

  it("copies the new ReplicaSet's ReplicaFailure and drops it once gone", () => {
    const d = withStatus(1, REPLICA_SET_UPDATED, t(0));
    const failing = ReplicaSet.fromPartial({
      ...replicaSet("new", { replicas: 2, available: 0 }),
    });
    failing.status?.conditions.push({
      type: REPLICA_FAILURE,
      status: "True",
      reason: "FailedCreate",
      message: "quota",
      lastTransitionTime: t(1),
    });
    const s = rolloutStatus([failing], failing, d, t(2));
    expect(getCondition(s, REPLICA_FAILURE)).toMatchObject({
      status: "True",
      reason: "FailedCreate",
    });
    const healed = rolloutStatus(
      [replicaSet("new", { replicas: 2, available: 0 })],
      undefined,
      Deployment.fromPartial({ ...d, status: s }),
      t(3),
    );
    expect(getCondition(healed, REPLICA_FAILURE)).toBeUndefined();
  });

  it("compares statuses as stored", () => {
    const d = withStatus(1, REPLICA_SET_UPDATED, t(0));
    expect(sameStatus(d.status, structuredClone(d.status))).toBe(true);
    expect(
      sameStatus(
        d.status,
        Deployment.fromPartial({ ...d, status: { ...d.status, replicas: 9 } }).status,
      ),
    ).toBe(false);
  });
});
