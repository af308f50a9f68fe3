// Controller references: which object manages which (a ReplicaSet its Pods, a Deployment
// its ReplicaSets), and how an owner claims objects as Kubernetes' ControllerRefManager
// does: adopt matching orphans, release owned objects that stopped matching, leave
// objects controlled by someone else alone. Every write is a JSON merge patch pinned to
// the resourceVersion the decision was made on, so a concurrent change (another
// controller adopting the same orphan, a label edit) makes the write fail instead of
// being overwritten.
import { ApiStatusError, type KindClient, type LabelMatcher } from "@k8ts/sdk";
import type { ObjectMeta, OwnerReference } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";

export interface OwnerInfo {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
}

/** The ownerReference with controller: true, if any. */
export function controllerRefOf(meta: ObjectMeta | undefined): OwnerReference | undefined {
  return meta?.ownerReferences.find((r) => r.controller === true);
}

/** A controller reference to `owner` (controller: true, blockOwnerDeletion: true). */
export function newControllerRef(owner: OwnerInfo): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.name,
    uid: owner.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The OwnerInfo of an object of kind `kind` (the object's own metadata). */
export function ownerInfoOf(
  apiVersion: string,
  kind: string,
  meta: ObjectMeta | undefined,
): OwnerInfo {
  return {
    apiVersion,
    kind,
    name: meta?.name ?? "",
    namespace: meta?.namespace ?? "",
    uid: meta?.uid ?? "",
  };
}

export interface ClaimOptions {
  readonly owner: OwnerInfo;
  /** The owner's selector: matching orphans are adopted, owned non-matching objects released. */
  readonly selector: LabelMatcher;
  /**
   * The owner has a deletionTimestamp: adopt nothing and release nothing (as Kubernetes:
   * objects of an owner being deleted stay with it so the garbage collector's cascade
   * reaches them).
   */
  readonly ownerDeleting: boolean;
  /** Called once before the first adoption: re-reads the owner from the API (not the cache) and throws if its uid changed or it is being deleted (Kubernetes' RecheckDeletionTimestamp). */
  readonly recheckOwner: () => Promise<void>;
  readonly signal?: AbortSignal;
}

/** What claiming decides for one object, given the owner and selector. */
export type ClaimDecision = "owned" | "adopt" | "release" | "ignore";

/** The pure decision of ClaimObject in Kubernetes' ControllerRefManager. */
export function claimDecision(
  meta: ObjectMeta | undefined,
  options: Pick<ClaimOptions, "owner" | "selector" | "ownerDeleting">,
): ClaimDecision {
  const ref = controllerRefOf(meta);
  const matches = options.selector.matches(meta?.labels);
  if (ref !== undefined) {
    if (ref.uid !== options.owner.uid) return "ignore"; // someone else's
    if (matches) return "owned";
    // An owner being deleted keeps what it has, so the cascade still reaches it.
    return options.ownerDeleting ? "ignore" : "release";
  }
  if (options.ownerDeleting || !matches) return "ignore";
  if (meta?.deletionTimestamp !== undefined) return "ignore"; // an orphan on its way out
  if (options.owner.namespace !== "" && options.owner.namespace !== (meta?.namespace ?? ""))
    return "ignore";
  return "adopt";
}

/** The merge patch that adds `owner`'s controller reference, pinned to the object's version. */
export function adoptPatch(meta: ObjectMeta, owner: OwnerInfo): object {
  return {
    metadata: {
      resourceVersion: meta.resourceVersion,
      ownerReferences: [...meta.ownerReferences, newControllerRef(owner)],
    },
  };
}

/** The merge patch that removes `owner`'s references, pinned to the object's version. */
export function releasePatch(meta: ObjectMeta, owner: OwnerInfo): object {
  return {
    metadata: {
      resourceVersion: meta.resourceVersion,
      ownerReferences: meta.ownerReferences.filter((r) => r.uid !== owner.uid),
    },
  };
}

/** One or more adoptions or releases failed (the others were done). */
export class ClaimError extends Error {
  constructor(
    readonly owner: OwnerInfo,
    readonly errors: readonly unknown[],
  ) {
    super(
      `claiming objects for ${owner.kind} ${owner.namespace}/${owner.name}: ${errors
        .map((e) => (e instanceof Error ? e.message : String(e)))
        .join("; ")}`,
    );
    this.name = "ClaimError";
  }
}

/** The owner read again is not the one the decision was made for, or is being deleted. */
export class OwnerChangedError extends Error {
  constructor(
    readonly owner: OwnerInfo,
    reason: string,
  ) {
    super(`${owner.kind} ${owner.namespace}/${owner.name} (uid ${owner.uid}) ${reason}`);
    this.name = "OwnerChangedError";
  }
}

/**
 * A ClaimOptions.recheckOwner that reads `owner` from the API (not a cache) and throws
 * OwnerChangedError if it is gone, has another uid or has a deletionTimestamp.
 */
export function recheckOwnerWith<T extends { metadata?: ObjectMeta }>(
  client: KindClient<T>,
  owner: OwnerInfo,
  signal?: AbortSignal,
): () => Promise<void> {
  return async () => {
    let fresh: T;
    try {
      fresh = await client.get(owner.name, { namespace: owner.namespace, signal });
    } catch (e) {
      if (isNotFound(e)) throw new OwnerChangedError(owner, "is gone");
      throw e;
    }
    const uid = fresh.metadata?.uid ?? "";
    if (uid !== owner.uid) throw new OwnerChangedError(owner, `is gone (now uid ${uid})`);
    if (fresh.metadata?.deletionTimestamp !== undefined)
      throw new OwnerChangedError(owner, "is being deleted");
  };
}

function isNotFound(e: unknown): boolean {
  return e instanceof ApiStatusError && e.isNotFound;
}

/** Adopts matching orphans (no controller ref, not being deleted) and releases owned objects that no longer match; conditional writes, a NOT_FOUND on the object is ignored; returns the objects `owner` controls afterwards (owned and matching, plus adopted). */
export async function claimObjects<T extends { metadata?: ObjectMeta }>(
  client: KindClient<T>,
  objects: readonly T[],
  options: ClaimOptions,
): Promise<T[]> {
  const claimed: T[] = [];
  const errors: unknown[] = [];
  // Never adopt for an owner that the cache still shows but that is gone or going: the
  // owner is read again once, before the first adoption, and a failure stops adoptions.
  let recheck: "unchecked" | "ok" | "failed" = "unchecked";
  for (const object of objects) {
    const meta = object.metadata;
    const decision = claimDecision(meta, options);
    if (decision === "owned") {
      claimed.push(object);
      continue;
    }
    if (decision === "ignore" || meta === undefined) continue;
    if (decision === "adopt" && recheck !== "ok") {
      if (recheck === "failed") continue;
      try {
        await options.recheckOwner();
        recheck = "ok";
      } catch (e) {
        recheck = "failed";
        errors.push(e);
        continue;
      }
    }
    try {
      if (decision === "adopt") {
        claimed.push(
          await client.patch(meta.name, adoptPatch(meta, options.owner), {
            namespace: meta.namespace,
            signal: options.signal,
          }),
        );
      } else {
        await client.patch(meta.name, releasePatch(meta, options.owner), {
          namespace: meta.namespace,
          signal: options.signal,
        });
      }
    } catch (e) {
      if (!isNotFound(e)) errors.push(e);
    }
  }
  if (errors.length > 0) throw new ClaimError(options.owner, errors);
  return claimed;
}
