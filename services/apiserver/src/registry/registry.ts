// The generic registry: every kind's Create, Get, List, Update, UpdateStatus, Delete and
// Pods' Bind, with the per-kind differences in strategies. Writes go to the store (the
// source of truth, with conditional writes for optimistic concurrency); reads come from
// the watch cache at the freshness the request asks for.
import { randomInt, randomUUID } from "node:crypto";
import { lookupKind, messageFns, type FieldViolation, type KindInfo } from "@k8ts/sdk";
import type { DeleteOptions, ListMeta } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import type { Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";
import type { KeyValue, Store } from "../storage/store.js";
import {
  ConflictError as StoreConflictError,
  KeyExistsError,
  KeyNotFoundError,
} from "../storage/errors.js";
import type { CachedObject, WatchCache, WatchFilter } from "../watch-cache/watch-cache.js";
import {
  AlreadyExistsError,
  ConflictError,
  FailedPreconditionError,
  InvalidError,
  NotFoundError,
  TimeoutError,
} from "./api-errors.js";
import { decodeStored, encodeStored, type ApiObject } from "./envelope.js";
import { objectKey } from "./keys.js";
import { normalize } from "./normalize.js";
import { strategyFor, NAMESPACE_FINALIZER } from "./strategies/index.js";
import type { Obj, Strategy } from "./strategy.js";
import type { ListPager } from "./list-pager.js";
import type { WriteHooks } from "./write-hooks.js";

export interface WriteOptions {
  readonly dryRun?: boolean;
}

/**
 * Which part of the object a write may change: the main resource (spec and metadata;
 * the strategy's update rules apply), "status" (UpdateStatus) or "binding" (Bind sets
 * spec.nodeName, which an Update may not).
 */
export type Subresource = "main" | "status" | "binding";

/** Freshness of a read: "" = linearizable, "0" = any cached state, "N" = at least N. */
export type ReadVersion = string;

/**
 * How long a write keeps retrying conflicts (as Kubernetes' GuaranteedUpdate, which retries
 * until the request's deadline): with many writers on one object each round has one
 * winner, so a count of attempts would refuse writers that merely had to wait their turn.
 */
const CONFLICT_RETRY_MS = 10_000;

/**
 * Before retrying a write that lost a conflict: the winner may be committed but not yet
 * flushed (a read still sees the version before it), so an immediate re-read would lose
 * again. Waits a little, growing per attempt (0, 1, 2, 4 ... 50 ms, jittered).
 */
function conflictPause(attempt: number): Promise<void> {
  if (attempt === 0) return new Promise((resolve) => setImmediate(resolve));
  const ms = Math.min(2 ** (attempt - 1), 50) * (0.5 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tooManyWriters(kind: KindInfo, name: string): ConflictError {
  return new ConflictError(
    `Operation cannot be fulfilled on ${kind.plural} "${name}": too many concurrent writers, try again`,
  );
}
const NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789";
const ORPHAN_FINALIZER = "orphan";
const FOREGROUND_FINALIZER = "foregroundDeletion";

export interface RegistryOptions {
  readonly now?: () => Date;
  /** Side effects around writes (Service ClusterIP and NodePort allocation). */
  readonly hooks?: WriteHooks;
}

export interface Written {
  readonly object: ApiObject;
  /** The store revision of the write; 0 for dry runs and no-op writes answered from the store. */
  readonly revision: number;
}

type Mutation = (current: Obj, revision: number) => Obj | Promise<Obj>;

export class Registry {
  private readonly strategies = new Map<string, Strategy>();
  private readonly now: () => Date;
  private readonly hooks: WriteHooks;

  constructor(
    private readonly store: Store,
    private readonly cache: WatchCache,
    private readonly pager: ListPager,
    options: RegistryOptions = {},
  ) {
    // Metadata times have whole seconds, as Kubernetes' metav1.Time.
    const clock = options.now ?? (() => new Date());
    this.now = () => new Date(Math.floor(clock().getTime() / 1000) * 1000);
    this.hooks = options.hooks ?? {};
  }

  strategy(kind: KindInfo): Strategy {
    let s = this.strategies.get(kind.kind);
    if (s === undefined) {
      s = strategyFor(kind);
      this.strategies.set(kind.kind, s);
    }
    return s;
  }

  // ---- reads ------------------------------------------------------------------------

  /** Waits until the cache is as fresh as the read version asks. */
  async ready(version: ReadVersion): Promise<void> {
    if (version === "0") return;
    if (version === "") {
      await this.cache.waitFor(await this.store.currentRevision());
      return;
    }
    const n = Number(version);
    if (!Number.isSafeInteger(n) || n < 0)
      throw new InvalidError("request", [
        {
          field: "resourceVersion",
          description: `Invalid value: ${JSON.stringify(version)}: must be "", "0" or a resourceVersion`,
        },
      ]);
    try {
      await this.cache.waitFor(n);
    } catch (e) {
      if (e instanceof TimeoutError)
        throw new TimeoutError(`Too large resource version: ${n}, current: ${this.cache.revision}`);
      throw e;
    }
  }

  async get(
    kind: KindInfo,
    namespace: string,
    name: string,
    version: ReadVersion,
  ): Promise<CachedObject> {
    const ns = this.namespaceOf(kind, namespace);
    await this.ready(version);
    const o = this.cache.get(objectKey(kind, ns, name));
    if (o === undefined) throw new NotFoundError(kind.kind, name, ns);
    return o;
  }

  async list(
    filter: WatchFilter,
    request: {
      readonly limit: number;
      readonly continueToken: string;
      readonly version: ReadVersion;
    },
  ): Promise<{ items: readonly CachedObject[]; meta: ListMeta }> {
    if (request.continueToken !== "")
      return this.pager.next(request.continueToken, request.limit, filter);
    await this.ready(request.version);
    const items = this.cache.list(filter);
    return this.pager.first(items, this.cache.revision, request.limit, filter);
  }

  // ---- writes -----------------------------------------------------------------------

  async create(kind: KindInfo, input: ApiObject, options: WriteOptions = {}): Promise<Written> {
    const strategy = this.strategy(kind);
    const object = clone(kind, input) as Obj;
    const meta = (object.metadata ??= emptyMeta());
    meta.namespace = this.namespaceOf(kind, meta.namespace);
    const generated = meta.name === "" && meta.generateName !== "";
    if (generated) meta.name = generateName(meta.generateName);
    meta.uid = randomUUID();
    meta.resourceVersion = "";
    meta.creationTimestamp = this.now();
    meta.deletionTimestamp = undefined;
    meta.deletionGracePeriodSeconds = undefined;
    meta.generation = 1;
    strategy.prepareForCreate(object);
    const prepared = this.admit(kind, strategy, object, undefined);
    if (kind.namespaced) await this.checkNamespaceOpen(meta.namespace);
    const pm = prepared.metadata ?? emptyMeta();
    // A dry run, or a create whose hooks reserve something (a ClusterIP), learns of a
    // duplicate before doing so; other creates learn it from the store's conditional create.
    if (
      !generated &&
      (options.dryRun === true || this.hooks.appliesTo?.(kind) === true) &&
      (await this.store.get(objectKey(kind, pm.namespace, pm.name))) !== undefined
    )
      throw new AlreadyExistsError(kind.kind, pm.name, pm.namespace);
    const rollback = await this.hooks.beforeCreate?.(kind, prepared, options.dryRun === true);
    if (options.dryRun === true) return { object: prepared, revision: 0 };
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const kv = await this.store.create(
            objectKey(kind, pm.namespace, pm.name),
            encodeStored(kind, prepared),
          );
          return { object: withVersion(prepared, kv.modRevision), revision: kv.modRevision };
        } catch (e) {
          if (!(e instanceof KeyExistsError)) throw e;
          // A generated name collided: draw another, as Kubernetes does, a few times.
          if (!generated || attempt >= 8)
            throw new AlreadyExistsError(kind.kind, pm.name, pm.namespace);
          pm.name = generateName(pm.generateName);
        }
      }
    } catch (e) {
      await rollback?.();
      throw e;
    }
  }

  /** Update (main resource) or UpdateStatus (`status: true`). */
  async update(
    kind: KindInfo,
    input: ApiObject,
    options: WriteOptions & { readonly status?: boolean } = {},
  ): Promise<Written> {
    const meta = input.metadata;
    if (meta === undefined || meta.name === "")
      throw new InvalidError(kind.kind, [
        { field: "metadata.name", description: "Required value" },
      ]);
    const namespace = this.namespaceOf(kind, meta.namespace);
    const expected = meta.resourceVersion;
    const strategy = this.strategy(kind);
    const write = {
      ...options,
      subresource: options.status === true ? ("status" as const) : ("main" as const),
    };
    return this.guaranteedUpdate(kind, namespace, meta.name, write, (current, revision) => {
      if (expected !== "" && expected !== String(revision))
        throw new ConflictError(
          `Operation cannot be fulfilled on ${kind.plural} "${meta.name}": the object has been modified; please apply your changes to the latest version and try again`,
        );
      if (meta.uid !== "" && meta.uid !== current.metadata?.uid)
        throw new ConflictError(
          `Precondition failed: UID in object meta: ${meta.uid}, UID in storage: ${current.metadata?.uid ?? ""}`,
        );
      const next = clone(kind, input) as Obj;
      if (options.status === true) {
        // UpdateStatus changes status only.
        const merged = clone(kind, current) as Obj;
        merged.status = next.status;
        return merged;
      }
      if (strategy.hasStatus) next.status = current.status;
      return next;
    });
  }

  /**
   * Reads the object, applies `mutate`, and writes the result conditionally on the read's
   * revision; on a conflict (someone wrote in between) reads and mutates again. A
   * mutation that needs a specific version throws ConflictError itself.
   */
  async guaranteedUpdate(
    kind: KindInfo,
    namespace: string,
    name: string,
    options: WriteOptions & { readonly subresource?: Subresource },
    mutate: Mutation,
  ): Promise<Written> {
    const key = objectKey(kind, namespace, name);
    const strategy = this.strategy(kind);
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(key);
      if (kv === undefined) throw new NotFoundError(kind.kind, name, namespace);
      const current = decodeStored(key, kv.value).object as Obj;
      const next = await mutate(clone(kind, current) as Obj, kv.modRevision);
      carryServerFields(next, current);
      const admitted = this.admit(kind, strategy, next, current, options.subresource ?? "main");
      const nextMeta = admitted.metadata ?? emptyMeta();
      nextMeta.generation = contentChanged(kind, admitted, current)
        ? (current.metadata?.generation ?? 0) + 1
        : (current.metadata?.generation ?? 1);
      if (finalizationDone(kind, strategy, admitted)) {
        if (options.dryRun === true)
          return { object: withVersion(admitted, kv.modRevision), revision: 0 };
        try {
          const r = await this.store.delete(key, kv.modRevision);
          await this.hooks.afterDelete?.(kind, current);
          return { object: withVersion(admitted, r.revision), revision: r.revision };
        } catch (e) {
          if (e instanceof StoreConflictError && Date.now() - started < CONFLICT_RETRY_MS) {
            await conflictPause(attempt);
            continue;
          }
          if (e instanceof StoreConflictError) throw tooManyWriters(kind, name);
          if (e instanceof KeyNotFoundError) throw new NotFoundError(kind.kind, name, namespace);
          throw e;
        }
      }
      const hook = await this.hooks.beforeUpdate?.(
        kind,
        admitted,
        current,
        options.dryRun === true,
      );
      if (options.dryRun === true)
        return { object: withVersion(admitted, kv.modRevision), revision: 0 };
      try {
        const written = await this.store.update(key, encodeStored(kind, admitted), kv.modRevision);
        await hook?.commit();
        return {
          object: withVersion(admitted, written.modRevision),
          revision: written.modRevision,
        };
      } catch (e) {
        await hook?.rollback();
        if (e instanceof StoreConflictError && Date.now() - started < CONFLICT_RETRY_MS) {
          await conflictPause(attempt);
          continue;
        }
        if (e instanceof StoreConflictError) throw tooManyWriters(kind, name);
        if (e instanceof KeyNotFoundError) throw new NotFoundError(kind.kind, name, namespace);
        throw e;
      }
    }
  }

  async delete(
    kind: KindInfo,
    namespace: string,
    name: string,
    options: DeleteOptions | undefined,
    write: WriteOptions = {},
  ): Promise<Written> {
    const ns = this.namespaceOf(kind, namespace);
    const key = objectKey(kind, ns, name);
    const strategy = this.strategy(kind);
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const kv = await this.store.get(key);
      if (kv === undefined) throw new NotFoundError(kind.kind, name, ns);
      const current = decodeStored(key, kv.value).object as Obj;
      checkPreconditions(kind, name, current, kv, options);
      const next = clone(kind, current) as Obj;
      const meta = next.metadata ?? emptyMeta();
      const finalizers = new Set(meta.finalizers);
      const policy = options?.propagationPolicy ?? "";
      if (policy === "Orphan") finalizers.add(ORPHAN_FINALIZER);
      if (policy === "Foreground") finalizers.add(FOREGROUND_FINALIZER);
      const graceful = strategy.isGraceful(current);
      const grace =
        options?.gracePeriodSeconds ?? (graceful ? strategy.defaultGracePeriod(current) : 0);
      const namespacePending =
        kind.kind === "Namespace" &&
        ((next as unknown as Namespace).spec?.finalizers.length ?? 0) > 0;
      const stays = (graceful && grace > 0) || finalizers.size > 0 || namespacePending;
      let result: Written;
      try {
        if (!stays) {
          if (write.dryRun === true)
            return { object: withVersion(current, kv.modRevision), revision: 0 };
          const r = await this.store.delete(key, kv.modRevision);
          await this.hooks.afterDelete?.(kind, current);
          return { object: withVersion(current, r.revision), revision: r.revision };
        }
        meta.finalizers = [...finalizers];
        const already = current.metadata?.deletionTimestamp !== undefined;
        const currentGrace = current.metadata?.deletionGracePeriodSeconds;
        if (!already || (graceful && currentGrace !== undefined && grace < currentGrace)) {
          meta.deletionTimestamp = new Date(this.now().getTime() + (graceful ? grace : 0) * 1000);
          meta.deletionGracePeriodSeconds = graceful ? grace : 0;
        }
        if (kind.kind === "Namespace") {
          const nsObj = next as unknown as Namespace;
          if (nsObj.status !== undefined) nsObj.status.phase = "Terminating";
        }
        if (write.dryRun === true)
          return { object: withVersion(next, kv.modRevision), revision: 0 };
        const written = await this.store.update(
          key,
          encodeStored(kind, withVersion(next, 0, true)),
          kv.modRevision,
        );
        result = { object: withVersion(next, written.modRevision), revision: written.modRevision };
      } catch (e) {
        if (e instanceof StoreConflictError && Date.now() - started < CONFLICT_RETRY_MS) {
          await conflictPause(attempt);
          continue;
        }
        if (e instanceof StoreConflictError) throw tooManyWriters(kind, name);
        if (e instanceof KeyNotFoundError) throw new NotFoundError(kind.kind, name, ns);
        throw e;
      }
      return result;
    }
  }

  /** Pods.Bind: sets spec.nodeName once, guarded by the pod's uid. */
  async bind(
    namespace: string,
    name: string,
    uid: string,
    nodeName: string,
    write: WriteOptions = {},
  ): Promise<Written> {
    const kind = podKind();
    if (nodeName === "")
      throw new InvalidError("Binding", [{ field: "nodeName", description: "Required value" }]);
    const ns = this.namespaceOf(kind, namespace);
    return this.guaranteedUpdate(
      kind,
      ns,
      name,
      { ...write, subresource: "binding" },
      (current) => {
        const pod = current as unknown as Pod;
        if (uid !== "" && pod.metadata?.uid !== uid)
          throw new ConflictError(
            `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${pod.metadata?.uid ?? ""}`,
          );
        if (pod.metadata?.deletionTimestamp !== undefined)
          throw new FailedPreconditionError(
            `pod ${ns}/${name} is being deleted, cannot be assigned to a host`,
          );
        if (pod.spec === undefined)
          throw new InvalidError("Pod", [{ field: "spec", description: "Required value" }]);
        if (pod.spec.nodeName !== "")
          throw new FailedPreconditionError(
            `pod ${ns}/${name} is already assigned to node "${pod.spec.nodeName}"`,
          );
        pod.spec.nodeName = nodeName;
        if (pod.status !== undefined) {
          const now = this.now();
          pod.status.conditions = [
            ...pod.status.conditions.filter((c) => c.type !== "PodScheduled"),
            {
              type: "PodScheduled",
              status: "True",
              reason: "",
              message: "",
              lastProbeTime: undefined,
              lastTransitionTime: now,
            },
          ];
        }
        return current;
      },
    );
  }

  // ---- helpers ----------------------------------------------------------------------

  private namespaceOf(kind: KindInfo, namespace: string): string {
    if (!kind.namespaced) return "";
    return namespace === "" ? "default" : namespace;
  }

  /** Defaults and validation: every violation of every rule, or the admitted object. */
  private admit(
    kind: KindInfo,
    strategy: Strategy,
    object: Obj,
    old: Obj | undefined,
    subresource: Subresource = "main",
  ): ApiObject {
    strategy.applyDefaults(object);
    const { object: normalized, violations } = normalize(kind, object);
    const all: FieldViolation[] = [...violations];
    if (all.length === 0) {
      all.push(...strategy.validate(normalized as Obj));
      if (old !== undefined) {
        // Status and binding writes take everything else from the stored object.
        if (subresource === "main") all.push(...strategy.validateUpdate(normalized as Obj, old));
        const m = normalized.metadata;
        if (m !== undefined && old.metadata !== undefined) {
          if (m.name !== old.metadata.name)
            all.push({ field: "metadata.name", description: "Invalid value: field is immutable" });
        }
      }
    }
    if (all.length > 0) {
      const name = object.metadata?.name ?? "";
      throw new InvalidError(
        `${kind.kind} ${JSON.stringify(name === "" ? (object.metadata?.generateName ?? "") : name)}`,
        all,
      );
    }
    const meta = normalized.metadata;
    if (meta !== undefined) meta.resourceVersion = "";
    return normalized;
  }

  private async checkNamespaceOpen(namespace: string): Promise<void> {
    const nsKind = lookupKind("Namespace");
    if (nsKind === undefined) return;
    // The watch cache answers almost always (as Kubernetes' namespace lifecycle admission
    // uses its informer); a namespace created a moment ago may not be there yet: the store
    // decides then.
    const key = objectKey(nsKind, "", namespace);
    let object = this.cache.get(key)?.object;
    if (object === undefined) {
      const kv = await this.store.get(key);
      if (kv === undefined) throw new NotFoundError("Namespace", namespace);
      object = decodeStored(kv.key, kv.value).object;
    }
    const ns: Namespace = object;
    if (ns.metadata?.deletionTimestamp !== undefined || ns.status?.phase === "Terminating")
      throw new FailedPreconditionError(
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
  }
}

function podKind(): KindInfo {
  const k = lookupKind("Pod");
  if (k === undefined) throw new Error("the model has no Pod kind");
  return k;
}

function emptyMeta(): NonNullable<ApiObject["metadata"]> {
  return {
    name: "",
    generateName: "",
    namespace: "",
    uid: "",
    resourceVersion: "",
    generation: 0,
    labels: {},
    annotations: {},
    ownerReferences: [],
    finalizers: [],
    creationTimestamp: undefined,
    deletionTimestamp: undefined,
    deletionGracePeriodSeconds: undefined,
  };
}

/** A deep copy through the wire format: never share mutable state with callers or the cache. */
function clone(kind: KindInfo, object: ApiObject): ApiObject {
  const fns = messageFns(kind.typeName);
  return fns.decode(fns.encode(object).finish()) as ApiObject;
}

function withVersion(object: ApiObject, revision: number, clear = false): ApiObject {
  if (object.metadata !== undefined)
    object.metadata.resourceVersion = clear || revision === 0 ? "" : String(revision);
  return object;
}

/** As Kubernetes' SimpleNameGenerator: a prefix of at most 58 characters, then 5 random. */
const MAX_GENERATED_PREFIX = 58;

export function generateName(prefix: string): string {
  let suffix = "";
  for (let i = 0; i < 5; i++) suffix += NAME_CHARS[randomInt(NAME_CHARS.length)] ?? "x";
  return `${prefix.slice(0, MAX_GENERATED_PREFIX)}${suffix}`;
}

/** Metadata only the server sets survives every update unchanged. */
function carryServerFields(next: Obj, current: Obj): void {
  const m = (next.metadata ??= emptyMeta());
  const c = current.metadata ?? emptyMeta();
  m.name = c.name;
  m.namespace = c.namespace;
  m.uid = c.uid;
  m.generateName = c.generateName;
  m.creationTimestamp = c.creationTimestamp;
  m.deletionTimestamp = c.deletionTimestamp;
  m.deletionGracePeriodSeconds = c.deletionGracePeriodSeconds;
  m.generation = c.generation;
}

/** Whether anything but metadata and status differs (generation counts spec changes). */
function contentChanged(kind: KindInfo, a: ApiObject, b: ApiObject): boolean {
  const fns = messageFns(kind.typeName);
  const strip = (o: ApiObject): Uint8Array =>
    fns.encode({ ...o, metadata: undefined, status: undefined }).finish();
  return Buffer.compare(Buffer.from(strip(a)), Buffer.from(strip(b))) !== 0;
}

/** An object being deleted whose last finalizer is gone leaves the store. */
function finalizationDone(kind: KindInfo, strategy: Strategy, object: ApiObject): boolean {
  const m = object.metadata;
  if (m?.deletionTimestamp === undefined || m.finalizers.length > 0) return false;
  if (
    kind.kind === "Namespace" &&
    ((object as Namespace).spec?.finalizers.includes(NAMESPACE_FINALIZER) ?? false)
  )
    return false;
  if (kind.kind === "Namespace" && ((object as Namespace).spec?.finalizers.length ?? 0) > 0)
    return false;
  // A terminating pod on a node is removed by its kubelet (Delete with grace 0).
  return !strategy.isGraceful(object as Obj) || (m.deletionGracePeriodSeconds ?? 0) === 0;
}

function checkPreconditions(
  kind: KindInfo,
  name: string,
  current: Obj,
  kv: KeyValue,
  options: DeleteOptions | undefined,
): void {
  const pre = options?.preconditions;
  if (pre === undefined) return;
  if (pre.uid !== "" && pre.uid !== current.metadata?.uid)
    throw new ConflictError(
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata?.uid ?? ""}`,
    );
  if (pre.resourceVersion !== "" && pre.resourceVersion !== String(kv.modRevision))
    throw new ConflictError(
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${kv.modRevision} (${kind.kind} ${name})`,
    );
}
