// Is the owner a reference names alive? Answered by a live read of the owner (a cache may
// lag behind a create), with a bounded memory of owners confirmed absent: a uid never
// comes back, so one read serves every dependent of a deleted owner.
import { lookupKind, type KindInfo } from "@k8ts/sdk";
import type { OwnerReference } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import type { OwnerState } from "./deletion-decisions.js";
import { isDeletingDependents } from "./deletion-state.js";
import type { LiveObjects } from "./live-objects.js";

export type OwnerCoordinates =
  | {
      readonly valid: true;
      readonly kind: KindInfo;
      readonly namespace: string;
      readonly name: string;
    }
  /** A kind the registry does not know: nothing can be said about the owner. */
  | { readonly valid: false; readonly problem: "unknownKind" }
  /** A cluster-scoped dependent cannot have a namespaced owner (Kubernetes: absent). */
  | { readonly valid: false; readonly problem: "invalidNamespace" };

/** Where the owner `ref` of a dependent in `dependentNamespace` lives ("" = cluster scope). */
export function ownerCoordinates(
  ref: OwnerReference,
  dependentNamespace: string,
): OwnerCoordinates {
  // One version per kind in k8ts: the kind names the owner, whatever apiVersion says.
  const kind = lookupKind(ref.kind);
  if (kind === undefined || kind.kind !== ref.kind) return { valid: false, problem: "unknownKind" };
  if (kind.namespaced && dependentNamespace === "")
    return { valid: false, problem: "invalidNamespace" };
  return {
    valid: true,
    kind,
    namespace: kind.namespaced ? dependentNamespace : "",
    name: ref.name,
  };
}

/** Insertion-ordered set with a capacity: the oldest entries go first. */
class BoundedSet {
  private readonly items = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(key: string): boolean {
    return this.items.has(key);
  }
  add(key: string): void {
    this.items.delete(key);
    this.items.add(key);
    if (this.items.size > this.capacity) {
      const oldest = this.items.values().next();
      if (oldest.done !== true) this.items.delete(oldest.value);
    }
  }
}

export class OwnerLookup {
  private readonly absent: BoundedSet;
  /** Live reads of owners (for /statusz). */
  reads = 0;

  constructor(
    private readonly live: Pick<LiveObjects, "getByName">,
    absentCapacity = 1024,
  ) {
    this.absent = new BoundedSet(absentCapacity);
  }

  /** The state of the owner `ref` of a dependent in `dependentNamespace`. */
  async state(
    ref: OwnerReference,
    dependentNamespace: string,
    signal?: AbortSignal,
  ): Promise<OwnerState> {
    const where = ownerCoordinates(ref, dependentNamespace);
    if (!where.valid) return where.problem === "unknownKind" ? "unresolvable" : "dangling";
    const key = `${ref.uid}/${where.kind.kind}/${where.namespace}/${where.name}`;
    if (this.absent.has(key)) return "dangling";
    this.reads++;
    const owner = await this.live.getByName(where.kind.kind, where.namespace, where.name, signal);
    if (owner?.metadata?.uid !== ref.uid) {
      this.absent.add(key);
      return "dangling";
    }
    return isDeletingDependents(owner.metadata) ? "waiting" : "solid";
  }
}
