// The garbage collector's reads and writes of objects of any kind, by identity (kind,
// namespace, name, uid), always live (never from a cache) and always conditional on the
// uid: an object replaced by another of the same name counts as gone and is never
// touched.
import {
  ApiStatusError,
  lookupKind,
  type ApiClient,
  type ApiObjectLike,
  type JsonPatchOperation,
  type KindClient,
} from "@k8ts/sdk";
import type { PropagationPolicy } from "./deletion-state.js";

export interface ObjectIdentity {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** Conditional writes that keep conflicting this often give up (the key is retried later). */
const ATTEMPTS = 5;

export class UnknownKindError extends Error {
  constructor(readonly kind: string) {
    super(`kind ${JSON.stringify(kind)} is not in the kinds registry`);
    this.name = "UnknownKindError";
  }
}

function isNotFound(e: unknown): boolean {
  return e instanceof ApiStatusError && e.isNotFound;
}

function isConflict(e: unknown): boolean {
  return e instanceof ApiStatusError && e.isConflict;
}

export class LiveObjects {
  constructor(private readonly client: ApiClient) {}

  private kindClient(kind: string): KindClient<ApiObjectLike> {
    const info = lookupKind(kind);
    if (info === undefined || info.kind !== kind) throw new UnknownKindError(kind);
    return this.client.kindFor(info) as KindClient<ApiObjectLike>;
  }

  /** The object named `name` now (a linearizable read); undefined if there is none. */
  async getByName(
    kind: string,
    namespace: string,
    name: string,
    signal?: AbortSignal,
  ): Promise<ApiObjectLike | undefined> {
    try {
      return await this.kindClient(kind).get(name, { namespace, signal });
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** The object `id` now; undefined if it is gone (or its name now holds another uid). */
  async get(id: ObjectIdentity, signal?: AbortSignal): Promise<ApiObjectLike | undefined> {
    const o = await this.getByName(id.kind, id.namespace, id.name, signal);
    return o?.metadata?.uid === id.uid ? o : undefined;
  }

  /**
   * Deletes `id` with `policy` (a Pod gracefully: its kubelet finishes), guarded by its uid.
   * An object already gone is not an error.
   */
  async delete(id: ObjectIdentity, policy: PropagationPolicy, signal?: AbortSignal): Promise<void> {
    try {
      await this.kindClient(id.kind).delete(id.name, {
        namespace: id.namespace,
        options: { preconditions: { uid: id.uid, resourceVersion: "" }, propagationPolicy: policy },
        signal,
      });
    } catch (e) {
      // NOT_FOUND: gone; ABORTED: the uid precondition failed, so the object is gone too.
      if (isNotFound(e) || isConflict(e)) return;
      throw e;
    }
  }

  /**
   * Applies the JSON patch `build` makes from the live object (none: nothing to do),
   * reading again when a `test` fails. Returns false if the object is gone.
   */
  async patch(
    id: ObjectIdentity,
    build: (live: ApiObjectLike) => JsonPatchOperation[] | undefined,
    signal?: AbortSignal,
  ): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const live = await this.get(id, signal);
      if (live === undefined) return false;
      const ops = build(live);
      if (ops === undefined) return true;
      try {
        await this.kindClient(id.kind).patch(id.name, ops, {
          namespace: id.namespace,
          type: "application/json-patch+json",
          signal,
        });
        return true;
      } catch (e) {
        if (isNotFound(e)) return false;
        if (!isConflict(e) || attempt >= ATTEMPTS) throw e;
      }
    }
  }

  /** Removes `finalizer` from `id` by an update conditional on the version just read. */
  async removeFinalizer(
    id: ObjectIdentity,
    finalizer: string,
    signal?: AbortSignal,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const live = await this.get(id, signal);
      const meta = live?.metadata;
      if (live === undefined || meta === undefined || !meta.finalizers.includes(finalizer)) return;
      const next = {
        ...live,
        metadata: { ...meta, finalizers: meta.finalizers.filter((f) => f !== finalizer) },
      };
      try {
        await this.kindClient(id.kind).update(next, { signal });
        return;
      } catch (e) {
        if (isNotFound(e)) return;
        if (!isConflict(e) || attempt >= ATTEMPTS) throw e;
      }
    }
  }
}
