import { describe, expect, it } from "vitest";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { replicaSet } from "./deployment-fixtures.js";
import { oldPodsRunning } from "./recreate.js";

const pod = (phase: string, terminating = false) =>
  Pod.fromPartial({
    metadata: { name: "p", deletionTimestamp: terminating ? new Date() : undefined },
    status: { phase },
  });

describe("Recreate waits for old pods", () => {
  const old = replicaSet("old", { replicas: 0 });
  const neu = replicaSet("new", { replicas: 0 });

  it("while an old ReplicaSet reports pods or has not observed its scale-down", () => {
    expect(oldPodsRunning(neu, [replicaSet("old", { replicas: 0, actual: 1 })], new Map())).toBe(
      true,
    );
    expect(oldPodsRunning(neu, [replicaSet("old", { replicas: 2 })], new Map())).toBe(true);
    const unobserved = replicaSet("old", { replicas: 0, generation: 3, observedGeneration: 2 });
    expect(oldPodsRunning(neu, [unobserved], new Map())).toBe(true);
  });

  it("while an old pod exists, terminating ones included", () => {
    expect(oldPodsRunning(neu, [old], new Map([["old-uid", [pod("Running", true)]]]))).toBe(true);
    expect(oldPodsRunning(neu, [old], new Map([["old-uid", [pod("Pending")]]]))).toBe(true);
  });

  it("not for finished pods or pods of the new ReplicaSet", () => {
    expect(
      oldPodsRunning(neu, [old], new Map([["old-uid", [pod("Succeeded"), pod("Failed")]]])),
    ).toBe(false);
    expect(oldPodsRunning(neu, [old], new Map([["new-uid", [pod("Running")]]]))).toBe(false);
    expect(oldPodsRunning(undefined, [old], new Map())).toBe(false);
  });
});
