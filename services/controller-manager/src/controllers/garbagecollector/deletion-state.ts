// What an object's metadata says about its deletion, in the garbage collector's terms.
// The apiserver adds the finalizers on Delete with propagationPolicy Orphan or Foreground
// (docs/apiserver.md); the garbage collector is the one that removes them.
import type { ObjectMeta } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";

/** Delete with Orphan: the dependents lose their reference to the object, then it goes. */
export const ORPHAN_FINALIZER = "orphan";
/** Delete with Foreground: the object stays until its blocking dependents are gone. */
export const FOREGROUND_FINALIZER = "foregroundDeletion";

export type PropagationPolicy = "Background" | "Foreground" | "Orphan";

/** The object has a deletionTimestamp (it may still wait for finalizers or a kubelet). */
export function isBeingDeleted(meta: ObjectMeta | undefined): boolean {
  return meta?.deletionTimestamp !== undefined;
}

/** Foreground deletion in progress: the object waits for its dependents. */
export function isDeletingDependents(meta: ObjectMeta | undefined): boolean {
  return isBeingDeleted(meta) && (meta?.finalizers.includes(FOREGROUND_FINALIZER) ?? false);
}

/** Orphan deletion in progress: the dependents are to be released first. */
export function isOrphaningDependents(meta: ObjectMeta | undefined): boolean {
  return isBeingDeleted(meta) && (meta?.finalizers.includes(ORPHAN_FINALIZER) ?? false);
}
