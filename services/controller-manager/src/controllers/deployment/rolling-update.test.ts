import { describe, expect, it } from "vitest";
import type { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { deployment, replicaSet } from "./deployment-fixtures.js";
import { newReplicaSetReplicas, oldReplicaSetsScaleDown } from "./rolling-update.js";

const sizes = (steps: readonly { rs: ReplicaSet; replicas: number }[]): Record<string, number> =>
  Object.fromEntries(steps.map((s) => [s.rs.metadata?.name ?? "", s.replicas]));

describe("scaling up the new ReplicaSet", () => {
  const d = deployment({ replicas: 5, maxSurge: 1, maxUnavailable: 0 });

  it("grows it by what replicas + maxSurge leaves room for", () => {
    const old = replicaSet("old", { replicas: 5, created: 1 });
    const neu = replicaSet("new", { replicas: 0, created: 2 });
    expect(newReplicaSetReplicas(d, [old, neu], neu)).toBe(1);
    const d10 = deployment({ replicas: 10 }); // 25% surge: 3
    const old10 = replicaSet("old", { replicas: 10, created: 1 });
    expect(newReplicaSetReplicas(d10, [old10, neu], neu)).toBe(3);
  });

  it("does not grow it while the total is at replicas + maxSurge", () => {
    const old = replicaSet("old", { replicas: 5, created: 1 });
    const neu = replicaSet("new", { replicas: 1, available: 0, created: 2 });
    expect(newReplicaSetReplicas(d, [old, neu], neu)).toBe(1);
  });

  it("never beyond spec.replicas", () => {
    const old = replicaSet("old", { replicas: 0, created: 1 });
    const neu = replicaSet("new", { replicas: 4, created: 2 });
    expect(newReplicaSetReplicas(d, [old, neu], neu)).toBe(5);
  });

  it("counts pods an old ReplicaSet has not deleted yet", () => {
    const old = replicaSet("old", { replicas: 4, created: 1 });
    const neu = replicaSet("new", { replicas: 1, created: 2 });
    expect(newReplicaSetReplicas(d, [old, neu], neu)).toBe(2);
    const pods = (rs: ReplicaSet) => (rs === old ? 5 : 1);
    expect(newReplicaSetReplicas(d, [old, neu], neu, pods)).toBe(1);
  });

  it("takes all replicas at once with Recreate", () => {
    const r = deployment({ replicas: 5, recreate: true });
    const neu = replicaSet("new", { replicas: 0 });
    expect(newReplicaSetReplicas(r, [neu], neu)).toBe(5);
  });
});

describe("scaling down old ReplicaSets", () => {
  const d = deployment({ replicas: 5, maxSurge: 1, maxUnavailable: 0 });

  it("waits while the new pods are not available", () => {
    const old = replicaSet("old", { replicas: 5, created: 1 });
    const neu = replicaSet("new", { replicas: 1, available: 0, created: 2 });
    expect(oldReplicaSetsScaleDown(d, [old], neu)).toEqual([]);
  });

  it("removes as many as became available beyond replicas - maxUnavailable", () => {
    const old = replicaSet("old", { replicas: 5, created: 1 });
    const neu = replicaSet("new", { replicas: 1, available: 1, created: 2 });
    expect(sizes(oldReplicaSetsScaleDown(d, [old], neu))).toEqual({ old: 4 });
  });

  it("does not count available pods beyond an old ReplicaSet's spec (stale status)", () => {
    const old = replicaSet("old", { replicas: 4, available: 5, created: 1 });
    const neu = replicaSet("new", { replicas: 2, available: 2, created: 2 });
    expect(sizes(oldReplicaSetsScaleDown(d, [old], neu))).toEqual({ old: 3 });
  });

  it("removes unhealthy replicas first, oldest ReplicaSet first", () => {
    const d10 = deployment({ replicas: 10 }); // surge 3, unavailable 2
    const old1 = replicaSet("old1", { replicas: 5, available: 2, created: 1 });
    const old2 = replicaSet("old2", { replicas: 5, available: 5, created: 2 });
    const neu = replicaSet("new", { replicas: 3, available: 0, created: 3 });
    expect(sizes(oldReplicaSetsScaleDown(d10, [old2, old1], neu))).toEqual({ old1: 3 });
  });

  it("scales several old ReplicaSets, oldest first", () => {
    const d4 = deployment({ replicas: 4, maxSurge: 0, maxUnavailable: 2 });
    const old1 = replicaSet("old1", { replicas: 1, created: 1 });
    const old2 = replicaSet("old2", { replicas: 3, created: 2 });
    const neu = replicaSet("new", { replicas: 0, created: 3 });
    expect(sizes(oldReplicaSetsScaleDown(d4, [old2, old1], neu))).toEqual({ old1: 0, old2: 2 });
  });

  it("does nothing without old pods", () => {
    const neu = replicaSet("new", { replicas: 5 });
    expect(oldReplicaSetsScaleDown(d, [replicaSet("old", { replicas: 0 })], neu)).toEqual([]);
  });
});
