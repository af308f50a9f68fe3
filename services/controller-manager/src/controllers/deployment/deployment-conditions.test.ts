import { describe, expect, it } from "vitest";
import { Deployment, DeploymentStatus } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { deployment } from "./deployment-fixtures.js";
import {
  DEPLOYMENT_PAUSED,
  DEPLOYMENT_RESUMED,
  NEW_REPLICA_SET_AVAILABLE,
  PROGRESSING,
  PROGRESS_DEADLINE_EXCEEDED,
  REPLICA_SET_UPDATED,
  deploymentTimedOut,
  getCondition,
  newCondition,
  pausedConditionStatus,
  progressCheckDelayMs,
  setCondition,
} from "./deployment-conditions.js";

const statusOf = (d: Deployment) => d.status ?? DeploymentStatus.fromPartial({});
const t = (s: number) => new Date(1_700_000_000_000 + s * 1000);

function withProgressing(
  d: Deployment,
  status: "True" | "False" | "Unknown",
  reason: string,
  at: Date,
): Deployment {
  return Deployment.fromPartial({
    ...d,
    status: { ...d.status, conditions: [newCondition(PROGRESSING, status, reason, "", at)] },
  });
}

describe("setting a condition", () => {
  it("keeps an unchanged condition as it is", () => {
    const s = DeploymentStatus.fromPartial({
      conditions: [newCondition(PROGRESSING, "True", REPLICA_SET_UPDATED, "a", t(0))],
    });
    setCondition(s, newCondition(PROGRESSING, "True", REPLICA_SET_UPDATED, "b", t(5)));
    expect(getCondition(s, PROGRESSING)?.lastUpdateTime).toEqual(t(0));
    expect(getCondition(s, PROGRESSING)?.message).toBe("a");
  });

  it("keeps lastTransitionTime when only the reason changes", () => {
    const s = DeploymentStatus.fromPartial({
      conditions: [newCondition(PROGRESSING, "True", REPLICA_SET_UPDATED, "", t(0))],
    });
    setCondition(s, newCondition(PROGRESSING, "True", NEW_REPLICA_SET_AVAILABLE, "", t(5)));
    const c = getCondition(s, PROGRESSING);
    expect(c?.reason).toBe(NEW_REPLICA_SET_AVAILABLE);
    expect(c?.lastTransitionTime).toEqual(t(0));
    expect(c?.lastUpdateTime).toEqual(t(5));
    setCondition(s, newCondition(PROGRESSING, "False", PROGRESS_DEADLINE_EXCEEDED, "", t(9)));
    expect(getCondition(s, PROGRESSING)?.lastTransitionTime).toEqual(t(9));
    expect(s.conditions).toHaveLength(1);
  });
});

describe("the progress deadline", () => {
  const d = deployment({ progressDeadlineSeconds: 5 });

  it("passes when no progress was reported for progressDeadlineSeconds", () => {
    const stuck = withProgressing(d, "True", REPLICA_SET_UPDATED, t(0));
    expect(deploymentTimedOut(stuck, statusOf(stuck), t(4))).toBe(false);
    expect(deploymentTimedOut(stuck, statusOf(stuck), t(6))).toBe(true);
  });

  it("is not judged after a completed rollout", () => {
    const done = withProgressing(d, "True", NEW_REPLICA_SET_AVAILABLE, t(0));
    expect(deploymentTimedOut(done, statusOf(done), t(60))).toBe(false);
  });

  it("is checked again one second after it passes", () => {
    const stuck = withProgressing(d, "True", REPLICA_SET_UPDATED, t(0));
    expect(progressCheckDelayMs(stuck, statusOf(stuck), t(2))).toBe(4000);
    expect(progressCheckDelayMs(stuck, statusOf(stuck), t(30))).toBe(1000);
    const timedOut = withProgressing(d, "False", PROGRESS_DEADLINE_EXCEEDED, t(0));
    expect(progressCheckDelayMs(timedOut, statusOf(timedOut), t(2))).toBeUndefined();
  });
});

describe("pause conditions", () => {
  it("mark a pause and a resume with Progressing Unknown", () => {
    const paused = deployment({ paused: true });
    const s = pausedConditionStatus(paused, t(0));
    expect(getCondition(s, PROGRESSING)).toMatchObject({
      status: "Unknown",
      reason: DEPLOYMENT_PAUSED,
    });
    const stillPaused = Deployment.fromPartial({ ...paused, status: s });
    expect(pausedConditionStatus(stillPaused, t(1))).toBeUndefined();
    const resumed = Deployment.fromPartial({
      ...stillPaused,
      spec: { ...stillPaused.spec, paused: false },
    });
    expect(getCondition(pausedConditionStatus(resumed, t(2)), PROGRESSING)).toMatchObject({
      status: "Unknown",
      reason: DEPLOYMENT_RESUMED,
      lastUpdateTime: t(2),
    });
  });

  it("are set on a Deployment without any status yet", () => {
    const d = Deployment.fromPartial({ ...deployment({ paused: true }), status: undefined });
    expect(getCondition(pausedConditionStatus(d, t(0)), PROGRESSING)?.reason).toBe(
      DEPLOYMENT_PAUSED,
    );
  });

  it("never overwrite a reported timeout", () => {
    const d = withProgressing(
      deployment({ paused: true }),
      "False",
      PROGRESS_DEADLINE_EXCEEDED,
      t(0),
    );
    expect(pausedConditionStatus(d, t(1))).toBeUndefined();
  });
});
