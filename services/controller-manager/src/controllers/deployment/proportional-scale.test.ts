import { describe, expect, it } from "vitest";
import type { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { deployment, replicaSet } from "./deployment-fixtures.js";
import { isSaturated, isScalingEvent, scaleSteps } from "./proportional-scale.js";

const sizes = (steps: readonly { rs: ReplicaSet; replicas: number }[]): Record<string, number> =>
  Object.fromEntries(steps.map((s) => [s.rs.metadata?.name ?? "", s.replicas]));

// Kubernetes' TestScale cases: maxSurge 0 and maxUnavailable 0 (resolved to 1), every
// ReplicaSet annotated with the size it was last scaled for.
function scaled(from: number, to: number, newSize: number, old: [string, number, number][]) {
  const d = deployment({ replicas: to, maxSurge: 0, maxUnavailable: 0 });
  const neu = replicaSet("new", { replicas: newSize, created: 100, desired: from, max: from });
  const olds = old.map(([name, size, created]) =>
    replicaSet(name, { replicas: size, created, desired: from, max: from }),
  );
  return sizes(scaleSteps(d, neu, olds));
}

describe("proportional scaling", () => {
  it("spreads a scale-up in proportion to size", () => {
    expect(scaled(5, 10, 2, [["v1", 3, 1]])).toEqual({ new: 4, v1: 6 });
    expect(
      scaled(7, 10, 2, [
        ["v2", 3, 2],
        ["v1", 2, 1],
      ]),
    ).toEqual({ new: 3, v2: 4, v1: 3 });
  });

  it("spreads a scale-down in proportion to size", () => {
    expect(scaled(5, 3, 2, [["v1", 3, 1]])).toEqual({ new: 1, v1: 2 });
    expect(scaled(9, 4, 8, [["v1", 1, 1]])).toEqual({ new: 4, v1: 0 });
    expect(
      scaled(13, 8, 2, [
        ["v2", 8, 2],
        ["v1", 3, 1],
      ]),
    ).toEqual({ new: 1, v2: 5, v1: 2 });
  });

  it("gives the rounding leftover to the largest (newest when scaling up, oldest down)", () => {
    expect(
      scaled(3, 4, 1, [
        ["v2", 1, 2],
        ["v1", 1, 1],
      ]),
    ).toEqual({ new: 2, v2: 1, v1: 1 });
    expect(
      scaled(4, 3, 1, [
        ["v2", 2, 2],
        ["v1", 1, 1],
      ]),
    ).toEqual({ new: 1, v2: 1, v1: 1 });
  });

  it("scales everything to 0", () => {
    expect(scaled(5, 0, 2, [["v1", 3, 1]])).toEqual({ new: 0, v1: 0 });
  });

  it("keeps the total within replicas + maxSurge mid-rollout", () => {
    const d = deployment({ replicas: 10, maxSurge: 3, maxUnavailable: 2 });
    const neu = replicaSet("new", { replicas: 5, created: 2, desired: 5, max: 6 });
    const old = replicaSet("old", { replicas: 1, created: 1, desired: 5, max: 6 });
    const s = sizes(scaleSteps(d, neu, [old]));
    expect((s.new ?? 0) + (s.old ?? 0)).toBe(13);
    expect(s).toEqual({ new: 11, old: 2 });
  });

  it("gives all replicas to the only active ReplicaSet", () => {
    const d = deployment({ replicas: 8 });
    const neu = replicaSet("new", { replicas: 5, desired: 5, max: 7 });
    const old = replicaSet("old", { replicas: 0 });
    expect(sizes(scaleSteps(d, neu, [old]))).toEqual({ new: 8 });
  });

  it("scales the newest ReplicaSet when none is active", () => {
    const d = deployment({ replicas: 2 });
    const older = replicaSet("v1", { replicas: 0, created: 1 });
    const newer = replicaSet("v2", { replicas: 0, created: 2 });
    expect(sizes(scaleSteps(d, undefined, [older, newer]))).toEqual({ v2: 2 });
  });

  it("scales old ReplicaSets to 0 when the new one is saturated", () => {
    const d = deployment({ replicas: 3 });
    const neu = replicaSet("new", { replicas: 3, available: 3, desired: 3, max: 4 });
    const old = replicaSet("old", { replicas: 1 });
    expect(isSaturated(d, neu)).toBe(true);
    expect(sizes(scaleSteps(d, neu, [old]))).toEqual({ old: 0 });
  });

  it("leaves several active ReplicaSets of a Recreate alone", () => {
    const d = deployment({ replicas: 3, recreate: true });
    const neu = replicaSet("new", { replicas: 1, created: 2 });
    const old = replicaSet("old", { replicas: 1, created: 1 });
    expect(scaleSteps(d, neu, [old])).toEqual([]);
  });
});

describe("a scaling event", () => {
  it("is an active ReplicaSet last scaled for another size", () => {
    const d = deployment({ replicas: 8 });
    const neu = replicaSet("new", { replicas: 2, desired: 5 });
    expect(isScalingEvent(d, neu, [])).toBe(true);
    expect(isScalingEvent(deployment({ replicas: 5 }), neu, [])).toBe(false);
  });

  it("ignores inactive ReplicaSets and those without the annotation", () => {
    const d = deployment({ replicas: 8 });
    expect(isScalingEvent(d, replicaSet("a", { replicas: 0, desired: 5 }), [])).toBe(false);
    expect(isScalingEvent(d, replicaSet("b", { replicas: 3 }), [])).toBe(false);
  });
});
