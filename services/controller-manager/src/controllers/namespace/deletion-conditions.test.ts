import { describe, expect, it } from "vitest";
import { deletionConditions, sameConditions } from "./deletion-conditions.js";

const empty = { remaining: new Map(), finalizers: new Map(), failures: [] };
const t0 = new Date("2024-01-01T00:00:00Z");
const t1 = new Date("2024-01-01T00:01:00Z");

describe("deletionConditions", () => {
  it("reports an emptied namespace with every condition False", () => {
    const c = deletionConditions(empty, [], t0);
    expect(c.map((x) => [x.type, x.status, x.reason])).toEqual([
      ["NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered"],
      ["NamespaceDeletionContentFailure", "False", "ContentDeleted"],
      ["NamespaceContentRemaining", "False", "ContentRemoved"],
      ["NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers"],
    ]);
  });

  it("says what remains, which finalizers hold it, and what failed, as Kubernetes words it", () => {
    const c = deletionConditions(
      {
        remaining: new Map([
          ["replicasets.apps", 1],
          ["pods", 2],
        ]),
        finalizers: new Map([["foregroundDeletion", 1]]),
        failures: ['pods "a": boom'],
      },
      [],
      t0,
    );
    const by = (type: string) => c.find((x) => x.type === type);
    expect(by("NamespaceContentRemaining")).toMatchObject({
      status: "True",
      reason: "SomeResourcesRemain",
      message:
        "Some resources are remaining: pods has 2 resource instances, replicasets.apps has 1 resource instances",
    });
    expect(by("NamespaceFinalizersRemaining")).toMatchObject({
      status: "True",
      reason: "SomeFinalizersRemain",
      message:
        "Some content in the namespace has finalizers remaining: foregroundDeletion in 1 resource instances",
    });
    expect(by("NamespaceDeletionContentFailure")).toMatchObject({
      status: "True",
      reason: "ContentDeletionFailed",
      message: 'Failed to delete all resource types, 1 remaining: pods "a": boom',
    });
  });

  it("keeps lastTransitionTime while a status holds, and moves it when it changes", () => {
    const remaining = { ...empty, remaining: new Map([["pods", 1]]) };
    const first = deletionConditions(remaining, [], t0);
    const again = deletionConditions({ ...empty, remaining: new Map([["pods", 3]]) }, first, t1);
    expect(again.find((c) => c.type === "NamespaceContentRemaining")?.lastTransitionTime).toEqual(
      t0,
    );
    const done = deletionConditions(empty, again, t1);
    expect(done.find((c) => c.type === "NamespaceContentRemaining")?.lastTransitionTime).toEqual(
      t1,
    );
    expect(
      done.find((c) => c.type === "NamespaceDeletionContentFailure")?.lastTransitionTime,
    ).toEqual(t0);
  });

  it("compares conditions without their transition times", () => {
    const a = deletionConditions(empty, [], t0);
    expect(sameConditions(a, deletionConditions(empty, [], t1))).toBe(true);
    expect(sameConditions(a, deletionConditions({ ...empty, failures: ["x"] }, [], t0))).toBe(
      false,
    );
    expect(sameConditions(a, [])).toBe(false);
  });
});
