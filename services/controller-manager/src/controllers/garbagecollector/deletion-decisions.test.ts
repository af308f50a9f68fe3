import { describe, expect, it } from "vitest";
import { OwnerReference } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import {
  decideForDeletingOwner,
  decideForDependent,
  type ClassifiedReference,
  type OwnerState,
} from "./deletion-decisions.js";

function classified(uid: string, state: OwnerState, block = false): ClassifiedReference {
  return {
    reference: OwnerReference.fromPartial({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      name: uid,
      uid,
      blockOwnerDeletion: block,
    }),
    state,
  };
}

const none = { count: 0, anyDeletingDependents: false };

describe("decideForDependent", () => {
  it("keeps an object whose owner is alive", () => {
    expect(decideForDependent([], [classified("a", "solid")], none)).toEqual({ action: "keep" });
  });

  it("deletes an object whose only owner is gone, in the background", () => {
    expect(decideForDependent([], [classified("a", "dangling")], none)).toEqual({
      action: "delete",
      policy: "Background",
      unblock: [],
    });
  });

  it("only removes the dangling reference when another owner is alive", () => {
    expect(
      decideForDependent([], [classified("a", "dangling"), classified("b", "solid")], none),
    ).toEqual({ action: "removeReferences", uids: ["a"] });
  });

  it("removes the reference to a foreground-deleting owner when another owner is alive", () => {
    expect(
      decideForDependent([], [classified("a", "waiting"), classified("b", "solid")], none),
    ).toEqual({ action: "removeReferences", uids: ["a"] });
  });

  it("deletes a dependent of a foreground-deleting owner; in the foreground if it has dependents", () => {
    expect(decideForDependent([], [classified("a", "waiting", true)], none)).toMatchObject({
      action: "delete",
      policy: "Background",
    });
    expect(
      decideForDependent([], [classified("a", "waiting", true)], {
        count: 2,
        anyDeletingDependents: false,
      }),
    ).toEqual({ action: "delete", policy: "Foreground", unblock: [] });
  });

  it("unblocks its blocking references when one of its own dependents deletes in the foreground (cycles)", () => {
    expect(
      decideForDependent(
        [],
        [classified("a", "waiting", true), classified("b", "waiting", false)],
        { count: 1, anyDeletingDependents: true },
      ),
    ).toEqual({ action: "delete", policy: "Foreground", unblock: ["a"] });
  });

  it("honours the policy its own finalizers name", () => {
    expect(decideForDependent(["orphan"], [classified("a", "dangling")], none)).toMatchObject({
      policy: "Orphan",
    });
    expect(
      decideForDependent(["foregroundDeletion"], [classified("a", "dangling")], none),
    ).toMatchObject({ policy: "Foreground" });
  });

  it("never deletes because of an owner of an unknown kind", () => {
    expect(decideForDependent([], [classified("a", "unresolvable")], none)).toEqual({
      action: "keep",
    });
    expect(
      decideForDependent([], [classified("a", "unresolvable"), classified("b", "dangling")], none),
    ).toEqual({ action: "removeReferences", uids: ["b"] });
  });
});

describe("decideForDeletingOwner", () => {
  it("removes the finalizer once no blocking dependent is left", () => {
    expect(decideForDeletingOwner([])).toEqual({ action: "removeFinalizer" });
  });

  it("waits, looking at blocking dependents that are not deleting their own", () => {
    expect(
      decideForDeletingOwner([
        { uid: "a", deletingDependents: false },
        { uid: "b", deletingDependents: true },
      ]),
    ).toEqual({ action: "wait", attemptToDelete: ["a"] });
  });
});
