import { describe, expect, it } from "vitest";
import type { ApiObjectLike } from "@k8ts/sdk";
import { ObjectMeta, OwnerReference } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import { OwnerLookup, ownerCoordinates } from "./owner-lookup.js";

function ref(kind: string, name: string, uid: string): OwnerReference {
  return OwnerReference.fromPartial({ apiVersion: "v1", kind, name, uid });
}

/** A fake API: objects by "kind/namespace/name", counting reads. */
function api(objects: Record<string, Partial<ObjectMeta>>) {
  const calls: string[] = [];
  return {
    calls,
    getByName: (
      kind: string,
      namespace: string,
      name: string,
    ): Promise<ApiObjectLike | undefined> => {
      const key = `${kind}/${namespace}/${name}`;
      calls.push(key);
      const m = objects[key];
      return Promise.resolve(m === undefined ? undefined : { metadata: ObjectMeta.fromPartial(m) });
    },
  };
}

describe("ownerCoordinates", () => {
  it("puts a namespaced owner in its dependent's namespace and a cluster-scoped one nowhere", () => {
    expect(ownerCoordinates(ref("ReplicaSet", "rs", "u"), "ns")).toMatchObject({
      valid: true,
      namespace: "ns",
      name: "rs",
    });
    expect(ownerCoordinates(ref("Node", "n1", "u"), "ns")).toMatchObject({
      valid: true,
      namespace: "",
    });
  });

  it("refuses a namespaced owner of a cluster-scoped dependent, and unknown kinds", () => {
    expect(ownerCoordinates(ref("Pod", "p", "u"), "")).toEqual({
      valid: false,
      problem: "invalidNamespace",
    });
    expect(ownerCoordinates(ref("ConfigMap", "c", "u"), "ns")).toEqual({
      valid: false,
      problem: "unknownKind",
    });
    // Kinds are matched exactly, not by the names users type.
    expect(ownerCoordinates(ref("rs", "c", "u"), "ns")).toMatchObject({ valid: false });
  });
});

describe("OwnerLookup", () => {
  it("classifies owners by a live read: solid, dangling (absent or another uid), waiting", async () => {
    const fake = api({
      "ReplicaSet/ns/live": { uid: "u1" },
      "ReplicaSet/ns/replaced": { uid: "new" },
      "ReplicaSet/ns/fg": {
        uid: "u3",
        deletionTimestamp: new Date(),
        finalizers: ["foregroundDeletion"],
      },
      "ReplicaSet/ns/orphaning": {
        uid: "u4",
        deletionTimestamp: new Date(),
        finalizers: ["orphan"],
      },
    });
    const lookup = new OwnerLookup(fake);
    expect(await lookup.state(ref("ReplicaSet", "live", "u1"), "ns")).toBe("solid");
    expect(await lookup.state(ref("ReplicaSet", "gone", "u2"), "ns")).toBe("dangling");
    expect(await lookup.state(ref("ReplicaSet", "replaced", "old"), "ns")).toBe("dangling");
    expect(await lookup.state(ref("ReplicaSet", "fg", "u3"), "ns")).toBe("waiting");
    expect(await lookup.state(ref("ReplicaSet", "orphaning", "u4"), "ns")).toBe("solid");
    expect(await lookup.state(ref("ConfigMap", "c", "u5"), "ns")).toBe("unresolvable");
    expect(await lookup.state(ref("Pod", "p", "u6"), "")).toBe("dangling");
  });

  it("remembers absent owners (a uid never comes back) but reads live owners every time", async () => {
    const fake = api({ "ReplicaSet/ns/live": { uid: "u1" } });
    const lookup = new OwnerLookup(fake, 2);
    await lookup.state(ref("ReplicaSet", "gone", "g1"), "ns");
    await lookup.state(ref("ReplicaSet", "gone", "g1"), "ns");
    await lookup.state(ref("ReplicaSet", "live", "u1"), "ns");
    await lookup.state(ref("ReplicaSet", "live", "u1"), "ns");
    expect(fake.calls).toEqual(["ReplicaSet/ns/gone", "ReplicaSet/ns/live", "ReplicaSet/ns/live"]);
    // Bounded: the oldest absent owner is forgotten (and read again).
    await lookup.state(ref("ReplicaSet", "gone2", "g2"), "ns");
    await lookup.state(ref("ReplicaSet", "gone3", "g3"), "ns");
    await lookup.state(ref("ReplicaSet", "gone", "g1"), "ns");
    expect(fake.calls.filter((c) => c === "ReplicaSet/ns/gone")).toHaveLength(2);
    expect(lookup.reads).toBe(fake.calls.length);
  });
});
