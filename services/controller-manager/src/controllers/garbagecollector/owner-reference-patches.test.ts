import { describe, expect, it } from "vitest";
import { PatchTestFailedError, applyJsonPatch } from "@k8ts/sdk";
import { ObjectMeta } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import {
  removeOwnerReferencesPatch,
  unblockOwnerReferencesPatch,
} from "./owner-reference-patches.js";

const meta = ObjectMeta.fromPartial({
  name: "p",
  uid: "pod-uid",
  ownerReferences: [
    { apiVersion: "v1", kind: "ReplicaSet", name: "a", uid: "a", blockOwnerDeletion: true },
    { apiVersion: "v1", kind: "ReplicaSet", name: "b", uid: "b" },
    { apiVersion: "v1", kind: "ReplicaSet", name: "c", uid: "c", blockOwnerDeletion: true },
  ],
});

/** The object as the apiserver patches it (manifest form). */
function manifest(m: ObjectMeta): { metadata: unknown } {
  return JSON.parse(JSON.stringify({ metadata: m })) as { metadata: unknown };
}

function uids(o: unknown): string[] {
  return (o as { metadata: ObjectMeta }).metadata.ownerReferences.map((r) => r.uid);
}

describe("removeOwnerReferencesPatch", () => {
  it("removes the references to the given owners and keeps the others in order", () => {
    const patch = removeOwnerReferencesPatch(meta, new Set(["a", "c"]));
    expect(uids(applyJsonPatch(manifest(meta), patch))).toEqual(["b"]);
  });

  it("is nothing when no reference matches", () => {
    expect(removeOwnerReferencesPatch(meta, new Set(["x"]))).toBeUndefined();
  });

  it("fails its test when the list changed meanwhile, or the object is another", () => {
    const patch = removeOwnerReferencesPatch(meta, new Set(["b"]));
    const reordered = ObjectMeta.fromPartial({
      ...meta,
      ownerReferences: [meta.ownerReferences[1] ?? {}, meta.ownerReferences[0] ?? {}],
    });
    expect(() => applyJsonPatch(manifest(reordered), patch)).toThrow(PatchTestFailedError);
    const other = ObjectMeta.fromPartial({ ...meta, uid: "another" });
    expect(() => applyJsonPatch(manifest(other), patch)).toThrow(PatchTestFailedError);
  });
});

describe("unblockOwnerReferencesPatch", () => {
  it("sets blockOwnerDeletion=false on blocking references to the given owners only", () => {
    const patched = applyJsonPatch(
      manifest(meta),
      unblockOwnerReferencesPatch(meta, new Set(["a", "b"])),
    ) as unknown as { metadata: ObjectMeta };
    expect(patched.metadata.ownerReferences.map((r) => r.blockOwnerDeletion)).toEqual([
      false,
      undefined,
      true,
    ]);
    expect(unblockOwnerReferencesPatch(meta, new Set(["b"]))).toBeUndefined();
  });
});
