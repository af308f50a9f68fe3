import { describe, expect, it } from "vitest";
import { OwnerReference } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import { OwnerGraph, graphObject, type GraphObject } from "./owner-graph.js";

function ref(uid: string, block = false): OwnerReference {
  return OwnerReference.fromPartial({
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    name: `rs-${uid}`,
    uid,
    blockOwnerDeletion: block ? true : undefined,
  });
}

function obj(
  uid: string,
  owners: OwnerReference[] = [],
  state: Partial<GraphObject> = {},
): GraphObject {
  return {
    kind: "Pod",
    namespace: "ns",
    name: `pod-${uid}`,
    uid,
    owners,
    beingDeleted: false,
    deletingDependents: false,
    orphaningDependents: false,
    ...state,
  };
}

const deletingDependents = { beingDeleted: true, deletingDependents: true };
const orphaning = { beingDeleted: true, orphaningDependents: true };

describe("OwnerGraph", () => {
  it("links dependents to their owners by uid", () => {
    const g = new OwnerGraph();
    g.observe(obj("rs", []));
    g.observe(obj("a", [ref("rs")]));
    g.observe(obj("b", [ref("rs")]));
    expect(
      g
        .dependents("rs")
        .map((d) => d.uid)
        .sort(),
    ).toEqual(["a", "b"]);
    expect(g.isVirtual("rs")).toBe(false);
    expect(g.size).toBe(3);
  });

  it("makes a referenced owner in no cache virtual, and asks for it to be verified", () => {
    const g = new OwnerGraph();
    const work = g.observe(obj("a", [ref("rs")]));
    expect([...work.attemptToDelete]).toEqual(["rs"]);
    expect(g.isVirtual("rs")).toBe(true);
    expect(g.virtualOwner("rs")).toEqual({ reference: ref("rs"), dependentNamespace: "ns" });
    expect(g.virtualOwners).toBe(1);
    // Observed later (its cache lagged), it is real and keeps its dependents.
    g.observe(obj("rs"));
    expect(g.isVirtual("rs")).toBe(false);
    expect(g.virtualOwner("rs")).toBeUndefined();
    expect(g.dependents("rs").map((d) => d.uid)).toEqual(["a"]);
  });

  it("asks for the dependents of a removed owner, which stays as a virtual owner", () => {
    const g = new OwnerGraph();
    g.observe(obj("rs"));
    g.observe(obj("a", [ref("rs")]));
    g.observe(obj("b", [ref("rs")]));
    const work = g.remove("rs");
    expect([...work.attemptToDelete].sort()).toEqual(["a", "b"]);
    expect(g.isVirtual("rs")).toBe(true);
    g.remove("a");
    g.remove("b");
    expect(g.isVirtual("rs")).toBe(false);
    expect(g.virtualOwners).toBe(0);
    expect(g.size).toBe(0);
  });

  it("keeps a dependent with two owners linked to both", () => {
    const g = new OwnerGraph();
    g.observe(obj("rs1"));
    g.observe(obj("rs2"));
    g.observe(obj("a", [ref("rs1"), ref("rs2")]));
    expect([...g.remove("rs1").attemptToDelete]).toEqual(["a"]);
    expect(g.dependents("rs2").map((d) => d.uid)).toEqual(["a"]);
    // The dangling reference removed: no longer a dependent of rs1.
    g.observe(obj("a", [ref("rs2")]));
    expect(g.dependents("rs1")).toEqual([]);
    expect(g.isVirtual("rs1")).toBe(false);
  });

  it("unlinks references that are removed and links those that are added", () => {
    const g = new OwnerGraph();
    g.observe(obj("rs1"));
    g.observe(obj("rs2"));
    g.observe(obj("a", [ref("rs1")]));
    const work = g.observe(obj("a", [ref("rs2")]));
    expect(work.attemptToDelete.size).toBe(0);
    expect(g.dependents("rs1")).toEqual([]);
    expect(g.dependents("rs2").map((d) => d.uid)).toEqual(["a"]);
  });

  it("an unchanged object changes nothing (initial adds after building from the caches)", () => {
    const g = new OwnerGraph();
    g.observe(obj("a", [ref("rs")]));
    const again = g.observe(obj("a", [ref("rs")]));
    expect(again.attemptToDelete.size + again.attemptToOrphan.size).toBe(0);
  });

  it("starts a foreground deletion: the owner and all its dependents get a look", () => {
    const g = new OwnerGraph();
    g.observe(obj("rs"));
    g.observe(obj("a", [ref("rs", true)]));
    g.observe(obj("b", [ref("rs")]));
    const work = g.observe(obj("rs", [], deletingDependents));
    expect([...work.attemptToDelete].sort()).toEqual(["a", "b", "rs"]);
    // Only on the transition.
    expect(g.observe(obj("rs", [], deletingDependents)).attemptToDelete.size).toBe(0);
    expect(g.blockingDependents("rs").map((d) => d.uid)).toEqual(["a"]);
  });

  it("brings a waiting owner back when a dependent goes or stops blocking", () => {
    const g = new OwnerGraph();
    g.observe(obj("rs", [], deletingDependents));
    g.observe(obj("a", [ref("rs", true)]));
    g.observe(obj("b", [ref("rs", true)]));
    expect([...g.remove("a").attemptToDelete]).toEqual(["rs"]);
    expect([...g.observe(obj("b", [ref("rs", false)])).attemptToDelete]).toEqual(["rs"]);
    expect(g.blockingDependents("rs")).toEqual([]);
    expect([...g.observe(obj("b", [])).attemptToDelete]).toEqual(["rs"]);
  });

  it("a new dependent of an owner in a foreground deletion gets a look", () => {
    const g = new OwnerGraph();
    g.observe(obj("rs", [], deletingDependents));
    expect([...g.observe(obj("late", [ref("rs", true)])).attemptToDelete]).toEqual(["late"]);
  });

  it("starts an orphan deletion on the transition, and for dependents that appear during it", () => {
    const g = new OwnerGraph();
    g.observe(obj("rs"));
    g.observe(obj("a", [ref("rs")]));
    const work = g.observe(obj("rs", [], orphaning));
    expect([...work.attemptToOrphan]).toEqual(["rs"]);
    expect(work.attemptToDelete.size).toBe(0);
    expect([...g.observe(obj("late", [ref("rs")])).attemptToOrphan]).toEqual(["rs"]);
  });

  it("reads the deletion state from metadata", () => {
    const meta = {
      name: "x",
      namespace: "ns",
      uid: "u",
      ownerReferences: [ref("o")],
      finalizers: ["foregroundDeletion"],
      deletionTimestamp: new Date(),
    };
    const g = graphObject("ReplicaSet", { metadata: meta as never });
    expect(g).toMatchObject({
      kind: "ReplicaSet",
      uid: "u",
      deletingDependents: true,
      orphaningDependents: false,
    });
    expect(graphObject("Pod", { metadata: { ...meta, uid: "" } as never })).toBeUndefined();
    // A finalizer without deletionTimestamp is not a deletion in progress.
    expect(
      graphObject("Pod", { metadata: { ...meta, deletionTimestamp: undefined } as never })
        ?.deletingDependents,
    ).toBe(false);
  });
});
