// What the garbage collector does with one object, decided from live reads (as Kubernetes'
// attemptToDeleteItem and processDeletingDependentsItem): pure functions, so every case
// is a unit test.
import type { OwnerReference } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import {
  FOREGROUND_FINALIZER,
  ORPHAN_FINALIZER,
  type PropagationPolicy,
} from "./deletion-state.js";

/**
 * An owner as a live read found it: "solid" (exists with the referenced uid), "dangling"
 * (absent, or another object with that name), "waiting" (exists, in a foreground deletion
 * that waits for its dependents), "unresolvable" (a kind the registry does not know: never
 * taken for absent).
 */
export type OwnerState = "solid" | "dangling" | "waiting" | "unresolvable";

export interface ClassifiedReference {
  readonly reference: OwnerReference;
  readonly state: OwnerState;
}

export type DependentDecision =
  /** Nothing to do: a live owner still holds it. */
  | { readonly action: "keep" }
  /** Live owners remain; the references to dead or foreground-deleting owners go. */
  | { readonly action: "removeReferences"; readonly uids: readonly string[] }
  /**
   * No live owner is left: delete it with `policy`. `unblock` first sets
   * blockOwnerDeletion=false on the references to these owners (a possible cycle of
   * foreground deletions).
   */
  | {
      readonly action: "delete";
      readonly policy: PropagationPolicy;
      readonly unblock: readonly string[];
    };

/** What the graph knows of the object's own dependents. */
export interface DependentsSummary {
  readonly count: number;
  /** One of them is itself in a foreground deletion. */
  readonly anyDeletingDependents: boolean;
}

/**
 * The decision for an object that has owner references and is not being deleted.
 * `finalizers` are its own (an object deleted with a policy before keeps that policy).
 */
export function decideForDependent(
  finalizers: readonly string[],
  references: readonly ClassifiedReference[],
  dependents: DependentsSummary,
): DependentDecision {
  const solid = references.filter((r) => r.state === "solid" || r.state === "unresolvable");
  const dangling = references.filter((r) => r.state === "dangling");
  const waiting = references.filter((r) => r.state === "waiting");
  if (solid.length > 0) {
    const uids = [...dangling, ...waiting].map((r) => r.reference.uid);
    return uids.length === 0 ? { action: "keep" } : { action: "removeReferences", uids };
  }
  if (waiting.length > 0 && dependents.count > 0) {
    // An owner waits for this object, which has dependents of its own: delete it in the
    // foreground too, so the owner waits for the whole subtree.
    const unblock = dependents.anyDeletingDependents
      ? waiting.filter((r) => r.reference.blockOwnerDeletion === true).map((r) => r.reference.uid)
      : [];
    return { action: "delete", policy: "Foreground", unblock };
  }
  const policy: PropagationPolicy = finalizers.includes(ORPHAN_FINALIZER)
    ? "Orphan"
    : finalizers.includes(FOREGROUND_FINALIZER)
      ? "Foreground"
      : "Background";
  return { action: "delete", policy, unblock: [] };
}

/** A dependent that holds up a foreground deletion (blockOwnerDeletion=true). */
export interface BlockingDependent {
  readonly uid: string;
  readonly deletingDependents: boolean;
}

export type DeletingOwnerDecision =
  /** No blocking dependent is left: the foregroundDeletion finalizer goes. */
  | { readonly action: "removeFinalizer" }
  /** Wait; these dependents need a look (those in their own foreground deletion are busy). */
  | { readonly action: "wait"; readonly attemptToDelete: readonly string[] };

/** The decision for an owner with a deletionTimestamp and the foregroundDeletion finalizer. */
export function decideForDeletingOwner(
  blocking: readonly BlockingDependent[],
): DeletingOwnerDecision {
  if (blocking.length === 0) return { action: "removeFinalizer" };
  return {
    action: "wait",
    attemptToDelete: blocking.filter((d) => !d.deletingDependents).map((d) => d.uid),
  };
}
