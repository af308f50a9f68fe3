// Typed clients for every kind over one gRPC channel: bearer token on every call, a
// deadline on every unary call, retries of UNAVAILABLE with jittered back-off, keepalive,
// and Watch as an async iterator that stops on an AbortSignal.
import {
  Client,
  Metadata,
  credentials,
  status,
  type CallOptions,
  type ClientReadableStream,
  type MethodDefinition,
  type ServiceError,
} from "@grpc/grpc-js";
import { lookupKind, type KindInfo } from "../kinds/kinds.js";
import type { KindObjects } from "../kinds/message-fns.js";
import { DeleteOptions, type ListMeta } from "../gen/k8ts/api/v1/meta.js";
import { ApiStatusError } from "./api-status-error.js";
import { serviceDefinition } from "./service-definitions.js";

export interface ClientOptions {
  /** host:port of an apiserver. */
  readonly server: string;
  /** Bearer token sent on every call. */
  readonly token?: string;
  /** Deadline of each unary call (default 30 s). */
  readonly deadlineMs?: number;
  /** Attempts of a call answered UNAVAILABLE before giving up (default 6). */
  readonly attempts?: number;
}

export type KindName = keyof KindObjects;

export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
  /** "" (default) = the latest, "0" = any cached state, "N" = at least N. */
  readonly resourceVersion?: string;
  /** Cancels the call. */
  readonly signal?: AbortSignal;
}

export interface ObjectList<T> {
  readonly metadata: ListMeta;
  readonly items: T[];
}

export interface WatchOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** "" = current objects first (ADDED), then changes; "N" = changes after N. */
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks?: boolean;
  readonly sendInitialEvents?: boolean;
  readonly timeoutSeconds?: number;
  readonly signal?: AbortSignal;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK";

export interface WatchEvent<T> {
  readonly type: WatchEventType;
  readonly object: T;
}

export interface WriteOptions {
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
  /** Cancels the call (the write may still have happened). */
  readonly signal?: AbortSignal;
}

export type PatchType =
  | "application/merge-patch+json"
  | "application/strategic-merge-patch+json"
  | "application/json-patch+json";

interface Method {
  readonly path: string;
  readonly serialize: (value: never) => Buffer;
  readonly deserialize: (bytes: Buffer) => unknown;
}

function method(kind: KindInfo, name: string): Method {
  const def = serviceDefinition(kind.kind)[name] as MethodDefinition<unknown, unknown> | undefined;
  if (def === undefined) throw new Error(`${kind.serviceName} has no method ${name}`);
  return { path: def.path, serialize: def.requestSerialize, deserialize: def.responseDeserialize };
}

/** Waits `ms`, or less if `signal` aborts (the next attempt then reports the cancellation). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** One connection to an apiserver and a typed client per kind. */
export class ApiClient {
  private readonly client: Client;
  private readonly clients = new Map<string, KindClient<never>>();
  readonly deadlineMs: number;
  readonly attempts: number;

  constructor(readonly options: ClientOptions) {
    this.client = new Client(options.server, credentials.createInsecure(), {
      "grpc.keepalive_time_ms": 30_000,
      "grpc.keepalive_timeout_ms": 10_000,
      "grpc.keepalive_permit_without_calls": 1,
      "grpc.max_receive_message_length": 64 * 1024 * 1024,
      // After an apiserver outage, reconnect within seconds (grpc-js backs off up to 2
      // minutes by default, failing every call meanwhile; informers retry on their own).
      "grpc.initial_reconnect_backoff_ms": 500,
      "grpc.max_reconnect_backoff_ms": 5_000,
    });
    this.deadlineMs = options.deadlineMs ?? 30_000;
    this.attempts = options.attempts ?? 6;
  }

  /** The client of one kind, e.g. `client.kind("Deployment")`. */
  kind<K extends KindName>(name: K): KindClient<KindObjects[K]> {
    let c = this.clients.get(name);
    if (c === undefined) {
      const info = lookupKind(name);
      if (info === undefined) throw new Error(`unknown kind ${name}`);
      c = new KindClient<never>(this, info);
      this.clients.set(name, c);
    }
    return c;
  }

  /**
   * The client of a kind known only at run time (from the registry, e.g. what a manifest
   * names): objects are untyped; decode them with the codec where a type matters.
   */
  kindFor(info: KindInfo): KindClient<unknown> {
    return this.kind(info.kind as KindName);
  }

  metadata(): Metadata {
    const md = new Metadata();
    if (this.options.token !== undefined && this.options.token !== "")
      md.set("authorization", `Bearer ${this.options.token}`);
    return md;
  }

  /** A unary call with deadline and UNAVAILABLE retries. */
  async unary<Res>(m: Method, request: unknown, signal?: AbortSignal): Promise<Res> {
    let delay = 100;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once<Res>(m, request, signal);
      } catch (e) {
        if (
          !(e instanceof ApiStatusError) ||
          e.code !== status.UNAVAILABLE ||
          attempt >= this.attempts ||
          signal?.aborted === true
        )
          throw e;
        await sleep(delay / 2 + Math.random() * delay, signal);
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }

  private once<Res>(m: Method, request: unknown, signal?: AbortSignal): Promise<Res> {
    if (signal?.aborted === true)
      return Promise.reject(
        new ApiStatusError(status.CANCELLED, "the call was cancelled", [], m.path),
      );
    return new Promise((resolve, reject) => {
      const options: CallOptions = { deadline: Date.now() + this.deadlineMs };
      const call = this.client.makeUnaryRequest(
        m.path,
        m.serialize as (v: unknown) => Buffer,
        m.deserialize,
        request,
        this.metadata(),
        options,
        (err: ServiceError | null, value?: unknown) => {
          signal?.removeEventListener("abort", onAbort);
          if (err !== null) reject(ApiStatusError.from(err, m.path));
          else resolve(value as Res);
        },
      );
      const onAbort = (): void => call.cancel();
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  stream(m: Method, request: unknown, options: CallOptions): ClientReadableStream<unknown> {
    return this.client.makeServerStreamRequest(
      m.path,
      m.serialize as (v: unknown) => Buffer,
      m.deserialize,
      request,
      this.metadata(),
      options,
    );
  }

  close(): void {
    this.client.close();
  }
}

/** Create, Get, List, Watch, Update, UpdateStatus, Patch, Delete of one kind. */
export class KindClient<T> {
  private readonly methods = new Map<string, Method>();

  constructor(
    private readonly api: ApiClient,
    readonly info: KindInfo,
  ) {}

  private m(name: string): Method {
    let m = this.methods.get(name);
    if (m === undefined) {
      m = method(this.info, name);
      this.methods.set(name, m);
    }
    return m;
  }

  create(object: T, options: WriteOptions = {}): Promise<T> {
    return this.api.unary(
      this.m("create"),
      { object, dryRun: options.dryRun ?? false, fieldManager: options.fieldManager ?? "" },
      options.signal,
    );
  }

  get(
    name: string,
    options: { namespace?: string; resourceVersion?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    return this.api.unary(
      this.m("get"),
      { namespace: options.namespace ?? "", name, resourceVersion: options.resourceVersion ?? "" },
      options.signal,
    );
  }

  list(options: ListOptions = {}): Promise<ObjectList<T>> {
    return this.api.unary(
      this.m("list"),
      {
        namespace: options.namespace ?? "",
        labelSelector: options.labelSelector ?? "",
        fieldSelector: options.fieldSelector ?? "",
        limit: options.limit ?? 0,
        continue: options.continue ?? "",
        resourceVersion: options.resourceVersion ?? "",
      },
      options.signal,
    );
  }

  update(object: T, options: WriteOptions = {}): Promise<T> {
    return this.api.unary(
      this.m("update"),
      { object, dryRun: options.dryRun ?? false, fieldManager: options.fieldManager ?? "" },
      options.signal,
    );
  }

  updateStatus(object: T, options: WriteOptions = {}): Promise<T> {
    return this.api.unary(
      this.m("updateStatus"),
      { object, dryRun: options.dryRun ?? false, fieldManager: options.fieldManager ?? "" },
      options.signal,
    );
  }

  patch(
    name: string,
    patch: string | object,
    options: WriteOptions & { namespace?: string; type?: PatchType } = {},
  ): Promise<T> {
    return this.api.unary(
      this.m("patch"),
      {
        namespace: options.namespace ?? "",
        name,
        patchType: options.type ?? "application/merge-patch+json",
        patch: typeof patch === "string" ? patch : JSON.stringify(patch),
        dryRun: options.dryRun ?? false,
        fieldManager: options.fieldManager ?? "",
      },
      options.signal,
    );
  }

  delete(
    name: string,
    options: {
      namespace?: string;
      options?: Partial<DeleteOptions>;
      dryRun?: boolean;
      signal?: AbortSignal;
    } = {},
  ): Promise<T> {
    const o = options.options;
    return this.api.unary(
      this.m("delete"),
      {
        namespace: options.namespace ?? "",
        name,
        options: o === undefined ? undefined : DeleteOptions.fromPartial(o),
        dryRun: options.dryRun ?? false,
      },
      options.signal,
    );
  }

  /** Pods only: assigns the pod to a node, guarded by its uid. */
  bind(
    name: string,
    nodeName: string,
    options: { namespace?: string; uid?: string; dryRun?: boolean } = {},
  ): Promise<T> {
    return this.api.unary(this.m("bind"), {
      namespace: options.namespace ?? "",
      name,
      uid: options.uid ?? "",
      nodeName,
      dryRun: options.dryRun ?? false,
    });
  }

  /**
   * Watch as an async iterator. It ends when the server ends the stream (re-watch from the
   * last resourceVersion seen) or when `signal` aborts; it throws ApiStatusError when the
   * stream fails (isGone: relist).
   */
  async *watch(options: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const call = this.api.stream(
      this.m("watch"),
      {
        namespace: options.namespace ?? "",
        labelSelector: options.labelSelector ?? "",
        fieldSelector: options.fieldSelector ?? "",
        resourceVersion: options.resourceVersion ?? "",
        allowWatchBookmarks: options.allowWatchBookmarks ?? false,
        sendInitialEvents: options.sendInitialEvents,
        timeoutSeconds: options.timeoutSeconds,
      },
      {},
    );
    const signal = options.signal;
    const onAbort = (): void => call.cancel();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for await (const event of call as AsyncIterable<{ type: string; object?: T }>) {
        if (event.type === "ERROR")
          throw new ApiStatusError(status.UNKNOWN, "the watch failed", [], this.m("watch").path);
        yield { type: event.type as WatchEventType, object: event.object as T };
      }
    } catch (e) {
      if (signal?.aborted === true) return;
      const se = e as ServiceError;
      if (typeof se.code === "number") throw ApiStatusError.from(se, this.m("watch").path);
      throw e;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      call.cancel();
    }
  }
}
