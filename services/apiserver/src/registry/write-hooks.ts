// Admission that needs side effects around a write (allocating a Service's ClusterIP and
// NodePorts): done before the store write, undone if the write fails, finished after it.
import type { KindInfo } from "@k8ts/sdk";
import type { ApiObject } from "./envelope.js";

export interface UpdateHookResult {
  /** Undo what beforeUpdate reserved (the write failed or will be retried). */
  readonly rollback: () => Promise<void>;
  /** The write is stored: release what the old version held and the new does not. */
  readonly commit: () => Promise<void>;
}

export interface WriteHooks {
  /** Whether the hooks act on objects of this kind at all. */
  appliesTo?(kind: KindInfo): boolean;
  /** May change the object; returns how to undo its reservations. */
  beforeCreate?(
    kind: KindInfo,
    object: ApiObject,
    dryRun: boolean,
  ): Promise<(() => Promise<void>) | undefined>;
  beforeUpdate?(
    kind: KindInfo,
    object: ApiObject,
    old: ApiObject,
    dryRun: boolean,
  ): Promise<UpdateHookResult | undefined>;
  /** The object left the store. */
  afterDelete?(kind: KindInfo, object: ApiObject): Promise<void>;
}
