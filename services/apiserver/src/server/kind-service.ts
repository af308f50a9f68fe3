// The gRPC service of one kind: request parsing, authentication, the in-flight limit and
// error mapping around the registry, and Watch streams from the watch cache.
import {
  type Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { EVERYTHING, parseFieldSelector, parseLabelSelector, type KindInfo } from "@k8ts/sdk";
import type { DeleteOptions } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import type { Logger } from "pino";
import type { TokenAuthenticator, User } from "../auth/token-authenticator.js";
import { InvalidError, TooManyRequestsError } from "../registry/api-errors.js";
import type { ApiObject } from "../registry/envelope.js";
import type { Registry } from "../registry/registry.js";
import type { WatchCache, WatchFilter } from "../watch-cache/watch-cache.js";
import { encodeList } from "../watch-cache/watch-encoding.js";
import { toGrpcError } from "./grpc-status.js";
import { WatchStream } from "./watch-stream.js";
import type { KubeletProxy } from "./kubelet-proxy.js";
import type { Patcher } from "./patcher.js";

export interface ServingOptions {
  /** Concurrent unary requests before RESOURCE_EXHAUSTED. */
  readonly maxInflight: number;
  /** Events a Watch may queue for a client that is not reading... */
  readonly watchQueueLimit: number;
  /** ...for longer than this before its stream is closed. */
  readonly watchSlowGraceMs: number;
  /** Interval of periodic bookmarks. */
  readonly bookmarkIntervalMs: number;
  /** Watches end after a random time in [min, max] (clients re-watch from their version). */
  readonly watchTimeoutMinMs: number;
  readonly watchTimeoutMaxMs: number;
}

export interface ServiceContext {
  readonly registry: Registry;
  readonly cache: WatchCache;
  readonly auth: TokenAuthenticator;
  readonly patcher: Patcher;
  readonly log: Logger;
  readonly options: ServingOptions;
  readonly inflight: { count: number };
  readonly watches: Set<WatchStream>;
  /** Pods.Logs and Pods.Exec, proxied to the pod's kubelet. */
  readonly kubelets: KubeletProxy;
}

/**
 * Who is asking, carried to every handler. Authorization is allow-all today; a policy
 * decides on this later, in one place.
 */
export interface RequestContext {
  readonly user: User;
  readonly metadata: Metadata;
}

interface WriteRequest {
  object?: ApiObject | undefined;
  dryRun: boolean;
}
interface GetRequest {
  namespace: string;
  name: string;
  resourceVersion: string;
}
interface ListRequest {
  namespace: string;
  labelSelector: string;
  fieldSelector: string;
  limit: number;
  continue: string;
  resourceVersion: string;
}
interface WatchRequest {
  namespace: string;
  labelSelector: string;
  fieldSelector: string;
  resourceVersion: string;
  allowWatchBookmarks: boolean;
  sendInitialEvents?: boolean | undefined;
  timeoutSeconds?: number | undefined;
}
interface DeleteRequest {
  namespace: string;
  name: string;
  options?: DeleteOptions | undefined;
  dryRun: boolean;
}
interface PatchRequest {
  namespace: string;
  name: string;
  patchType: string;
  patch: string;
  dryRun: boolean;
}
interface BindRequest {
  namespace: string;
  name: string;
  uid: string;
  nodeName: string;
  dryRun: boolean;
}

export function kindService(kind: KindInfo, ctx: ServiceContext): UntypedServiceImplementation {
  const unary =
    <Req, Res>(method: string, handle: (req: Req, request: RequestContext) => Promise<Res>) =>
    (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>): void => {
      if (ctx.inflight.count >= ctx.options.maxInflight) {
        const e = toGrpcError(
          new TooManyRequestsError(
            `too many requests in flight (${ctx.inflight.count}); retry with back-off`,
          ),
        );
        callback(e.error);
        return;
      }
      ctx.inflight.count++;
      const done = (): void => {
        ctx.inflight.count--;
      };
      (async () => {
        const user = ctx.auth.authenticate(call.metadata);
        return handle(call.request, { user, metadata: call.metadata });
      })().then(
        (res) => {
          done();
          callback(null, res);
        },
        (e: unknown) => {
          done();
          const mapped = toGrpcError(e);
          if (mapped.unexpected)
            ctx.log.error({ err: e, method: `${kind.serviceName}/${method}` }, "request failed");
          callback(mapped.error);
        },
      );
    };

  const object = (req: WriteRequest): ApiObject => {
    if (req.object === undefined)
      throw new InvalidError("request", [{ field: "object", description: "Required value" }]);
    return req.object;
  };

  const filterOf = (req: {
    namespace: string;
    labelSelector: string;
    fieldSelector: string;
  }): WatchFilter => ({
    kind,
    namespace: kind.namespaced ? req.namespace : "",
    labels: req.labelSelector.trim() === "" ? EVERYTHING : parseLabelSelector(req.labelSelector),
    fields:
      req.fieldSelector.trim() === ""
        ? undefined
        : parseFieldSelector(kind.kind, req.fieldSelector),
  });

  const impl: UntypedServiceImplementation = {
    create: unary(
      "Create",
      async (req: WriteRequest) =>
        (await ctx.registry.create(kind, object(req), { dryRun: req.dryRun })).object,
    ),
    get: unary("Get", async (req: GetRequest) =>
      (await ctx.registry.get(kind, req.namespace, req.name, req.resourceVersion)).encoded(),
    ),
    list: unary("List", async (req: ListRequest) => {
      const page = await ctx.registry.list(filterOf(req), {
        limit: req.limit,
        continueToken: req.continue,
        version: req.resourceVersion,
      });
      return encodeList(
        page.meta,
        page.items.map((o) => o.encoded()),
      );
    }),
    update: unary(
      "Update",
      async (req: WriteRequest) =>
        (await ctx.registry.update(kind, object(req), { dryRun: req.dryRun })).object,
    ),
    updateStatus: unary(
      "UpdateStatus",
      async (req: WriteRequest) =>
        (await ctx.registry.update(kind, object(req), { dryRun: req.dryRun, status: true })).object,
    ),
    patch: unary("Patch", async (req: PatchRequest) => (await ctx.patcher.patch(kind, req)).object),
    delete: unary(
      "Delete",
      async (req: DeleteRequest) =>
        (
          await ctx.registry.delete(kind, req.namespace, req.name, req.options, {
            dryRun: req.dryRun,
          })
        ).object,
    ),
    watch: (call: ServerWritableStream<WatchRequest, Uint8Array>) => {
      startWatch(kind, ctx, call, filterOf).catch((e: unknown) => {
        const mapped = toGrpcError(e);
        if (mapped.unexpected)
          ctx.log.error({ err: e, method: `${kind.serviceName}/Watch` }, "watch failed");
        call.emit("error", mapped.error);
      });
    },
  };
  if (kind.kind === "Pod") {
    impl.bind = unary(
      "Bind",
      async (req: BindRequest) =>
        (
          await ctx.registry.bind(req.namespace, req.name, req.uid, req.nodeName, {
            dryRun: req.dryRun,
          })
        ).object,
    );
    impl.logs = ctx.kubelets.logs;
    impl.exec = ctx.kubelets.exec;
  }
  return impl;
}

async function startWatch(
  kind: KindInfo,
  ctx: ServiceContext,
  call: ServerWritableStream<WatchRequest, Uint8Array>,
  filterOf: (req: WatchRequest) => WatchFilter,
): Promise<void> {
  ctx.auth.authenticate(call.metadata);
  const req = call.request;
  const filter = filterOf(req);
  const version = req.resourceVersion;
  // No version (or "0"): the current objects first, then changes. A version: changes after it.
  const initial = version === "" || version === "0" ? req.sendInitialEvents !== false : false;
  await ctx.registry.ready(version);
  const from = initial
    ? ("initial" as const)
    : version === "" || version === "0"
      ? ctx.cache.revision
      : Number(version);
  const timers: { timeout?: NodeJS.Timeout; bookmarks?: NodeJS.Timeout } = {};
  const stream = new WatchStream(call, {
    maxQueued: ctx.options.watchQueueLimit,
    slowGraceMs: ctx.options.watchSlowGraceMs,
    bookmarks: req.allowWatchBookmarks,
    onEnd: () => {
      clearTimeout(timers.timeout);
      clearInterval(timers.bookmarks);
      ctx.watches.delete(stream);
    },
  });
  ctx.watches.add(stream);
  stream.handle = ctx.cache.watch(filter, from, stream);
  if (stream.isEnded) {
    stream.handle.close();
    return;
  }
  const { watchTimeoutMinMs: min, watchTimeoutMaxMs: max } = ctx.options;
  const timeout =
    // 0 means unset, as in Kubernetes.
    req.timeoutSeconds !== undefined && req.timeoutSeconds > 0
      ? req.timeoutSeconds * 1000
      : min + Math.random() * (max - min);
  timers.timeout = setTimeout(() => stream.end(), timeout);
  if (req.allowWatchBookmarks)
    timers.bookmarks = setInterval(
      () => stream.bookmark(ctx.cache.bookmark(kind)),
      ctx.options.bookmarkIntervalMs,
    );
}
