// JSON patches (RFC 6902) that change an object's owner references, conditional on exactly
// what they depend on: the object's uid and the uid at each index they touch. The
// apiserver re-applies a JSON patch to the latest version, so an unrelated write in
// between (a kubelet's status update) does not fail it, while a reordered or changed list
// fails the `test` (ABORTED) and the caller reads again.
import type { JsonPatchOperation } from "@k8ts/sdk";
import type { ObjectMeta } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";

function guarded(
  meta: ObjectMeta,
  select: (index: number) => JsonPatchOperation | undefined,
): JsonPatchOperation[] | undefined {
  const ops: JsonPatchOperation[] = [];
  // From the end, so that a removal does not shift the indexes still to come.
  for (let i = meta.ownerReferences.length - 1; i >= 0; i--) {
    const ref = meta.ownerReferences[i];
    const op = select(i);
    if (ref === undefined || op === undefined) continue;
    ops.push({ op: "test", path: `/metadata/ownerReferences/${i}/uid`, value: ref.uid }, op);
  }
  if (ops.length === 0) return undefined;
  return [{ op: "test", path: "/metadata/uid", value: meta.uid }, ...ops];
}

/** Removes the references to `ownerUids`; undefined when there is none. */
export function removeOwnerReferencesPatch(
  meta: ObjectMeta,
  ownerUids: ReadonlySet<string>,
): JsonPatchOperation[] | undefined {
  return guarded(meta, (i) =>
    ownerUids.has(meta.ownerReferences[i]?.uid ?? "")
      ? { op: "remove", path: `/metadata/ownerReferences/${i}` }
      : undefined,
  );
}

/** Sets blockOwnerDeletion=false on the blocking references to `ownerUids`; undefined when none. */
export function unblockOwnerReferencesPatch(
  meta: ObjectMeta,
  ownerUids: ReadonlySet<string>,
): JsonPatchOperation[] | undefined {
  return guarded(meta, (i) => {
    const ref = meta.ownerReferences[i];
    return ref !== undefined && ownerUids.has(ref.uid) && ref.blockOwnerDeletion === true
      ? { op: "replace", path: `/metadata/ownerReferences/${i}/blockOwnerDeletion`, value: false }
      : undefined;
  });
}
