// The Redis backend of the Store contract (docs/store.md section 3): several apiservers
// share one Redis, which holds the objects, the revision counter and the change log, and
// one NATS, which fans every committed write out to the other apiservers.
//
// - Each write is one Lua script (store-commands.ts, lua-scripts.ts). It is acknowledged
//   once Redis has replied, which with `appendfsync always` is after the AOF fsync.
// - Events: the store hands its own acknowledged writes to its feed and publishes them on
//   NATS; the feed orders what comes from NATS and repairs what does not come from the
//   change log (event-feed.ts). Watchers are cursors over the feed (redis-watcher.ts).
// - Redis or NATS down: operations reject with StoreUnavailableError; both clients
//   reconnect by themselves and the feed catches up from the log.

import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import {
  ConflictError,
  KeyExistsError,
  KeyNotFoundError,
  StoreClosedError,
  StoreFailedError,
  StoreUnavailableError,
} from "../errors.js";
import { checkKey, checkRevision, checkValue, scanRange, type KeyRange } from "../arguments.js";
import {
  DEFAULT_HISTORY,
  type CommonStoreOptions,
  type DeleteResult,
  type FlushHook,
  type KeyValue,
  type ScanOptions,
  type ScanResult,
  type Store,
  type WatchEvent,
} from "../store.js";
import { encodeBusMessage } from "./bus-message.js";
import { stateBefore, type LogEntry } from "./change-log.js";
import { EventBus } from "./event-bus.js";
import { EventFeed } from "./event-feed.js";
import { allKeys, storeLayout, type StoreLayout } from "./key-layout.js";
import { redactUrl } from "./redact-url.js";
import { ownBytes } from "./redis-replies.js";
import { RedisWatcher } from "./redis-watcher.js";
import {
  StoreCommands,
  type EncodedObject,
  type WriteOp,
  type WriteReply,
} from "./store-commands.js";
import { SILENT_LOGGER, type StoreLogger } from "./store-logger.js";

export interface RedisEventOptions {
  /** Events whose key and values exceed this are announced without them (default 256 KiB). */
  readonly maxMessageBytes?: number;
  /** How often the revision counter is checked for writes NATS never brought (default 1 s). */
  readonly tailCheckIntervalMs?: number;
  /** How long a missing revision may stay missing before the log is read (default 25 ms). */
  readonly gapRepairDelayMs?: number;
  /** Recent events kept in memory for watchers (default 8192 events, 64 MiB). */
  readonly ringMaxEvents?: number;
  readonly ringMaxBytes?: number;
}

export interface RedisStoreOptions extends CommonStoreOptions {
  /** `redis://[user:password@]host:port[/db]` */
  readonly redisUrl: string;
  /** `nats://host:port` */
  readonly natsUrl: string;
  /**
   * Names the store's Redis keys (`{prefix}:...`) and NATS subject (`k8ts.<prefix>.events`):
   * letters, digits, "_" and "-". Several clusters share one Redis and NATS by prefix.
   */
  readonly prefix: string;
  readonly logger?: StoreLogger;
  readonly events?: RedisEventOptions;
}

/** Most revisions one compaction script trims (it runs again at once if there are more). */
const COMPACTION_STEP = 10_000;

/**
 * Opens the store. Rejects with StoreUnavailableError naming Redis or NATS and its
 * address when either cannot be reached.
 */
export async function openRedisStore(options: RedisStoreOptions): Promise<Store> {
  return RedisStore.open(options);
}

/** Deletes every key of a store (it must be closed everywhere). */
export async function deleteRedisStore(redisUrl: string, prefix: string): Promise<void> {
  const redis = await connectRedis(redisUrl, SILENT_LOGGER);
  try {
    await redis.del(...allKeys(storeLayout(prefix)));
  } finally {
    redis.disconnect();
  }
}

async function connectRedis(url: string, log: StoreLogger): Promise<Redis> {
  const address = redactUrl(url);
  const redis = new Redis(url, {
    lazyConnect: true,
    // Fail fast while disconnected, never re-send: see store-commands.ts.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 5), 1_000),
    connectTimeout: 5_000,
    // RESP2: a Lua nil stays a nil (RESP3 would turn it into a boolean).
    protocol: 2,
    // Measured slower for Lua scripts here (DEPENDENCY-NOTES.md).
    enableAutoPipelining: false,
  });
  let lastLogged = 0;
  let lastError: unknown;
  redis.on("error", (error: unknown) => {
    lastError = error;
    const now = Date.now();
    if (now - lastLogged < 5_000) return;
    lastLogged = now;
    log.warn({ err: error, address }, "Redis connection error; reconnecting");
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    // The connection error event says why (ECONNREFUSED...); the rejection only that the
    // connection closed.
    throw new StoreUnavailableError("redis", address, false, lastError ?? error);
  }
  return redis;
}

interface PendingAck {
  readonly event: WatchEvent | undefined;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

class RedisStore implements Store {
  private closed = false;
  private closing: Promise<void> | undefined;
  private failure: StoreFailedError | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  /** Write replies in the order Redis ran them, waiting for their flush hook. */
  private readonly acks: PendingAck[] = [];
  private acking = false;
  private compactionTimer: NodeJS.Timeout | undefined;
  private compacting: Promise<void> | undefined;
  private readonly history: Required<NonNullable<CommonStoreOptions["history"]>>;
  private readonly maxMessageBytes: number;
  private readonly afterFlush: FlushHook | undefined;
  private lastCompactionFailureLog = 0;

  private constructor(
    private readonly redis: Redis,
    private readonly commands: StoreCommands,
    private readonly bus: EventBus,
    private readonly feed: EventFeed,
    private readonly layout: StoreLayout,
    private readonly log: StoreLogger,
    private readonly options: RedisStoreOptions,
  ) {
    const history = options.history ?? {};
    this.history = {
      windowMs: history.windowMs ?? DEFAULT_HISTORY.windowMs,
      minRevisions: history.minRevisions ?? DEFAULT_HISTORY.minRevisions,
      compactionIntervalMs: history.compactionIntervalMs ?? DEFAULT_HISTORY.compactionIntervalMs,
    };
    this.maxMessageBytes = options.events?.maxMessageBytes ?? 256 * 1024;
    this.afterFlush = options.afterFlush;
  }

  static async open(options: RedisStoreOptions): Promise<RedisStore> {
    const layout = storeLayout(options.prefix);
    const log = options.logger ?? SILENT_LOGGER;
    const instanceId = randomBytes(6).toString("hex");
    const redis = await connectRedis(options.redisUrl, log);
    const commands = new StoreCommands(redis, layout, redactUrl(options.redisUrl), instanceId);
    // Subscribe before reading the revision: every write after it arrives on the bus.
    let feed: EventFeed | undefined;
    const early: Uint8Array[] = [];
    let bus: EventBus;
    try {
      bus = await EventBus.open(options.natsUrl, layout.subject, `k8ts-store-${instanceId}`, log, {
        message: (data) => {
          if (feed === undefined) early.push(data);
          else feed.offerMessage(data);
        },
        reconnected: () => feed?.catchUp(),
      });
    } catch (error) {
      redis.disconnect();
      throw error;
    }
    try {
      const state = await commands.readState();
      const events = options.events ?? {};
      feed = new EventFeed(
        commands,
        {
          tailCheckIntervalMs: events.tailCheckIntervalMs ?? 1_000,
          gapRepairDelayMs: events.gapRepairDelayMs ?? 25,
          ringMaxEvents: events.ringMaxEvents ?? 8192,
          ringMaxBytes: events.ringMaxBytes ?? 64 * 1024 * 1024,
        },
        log,
        state,
      );
    } catch (error) {
      await bus.close();
      redis.disconnect();
      throw error;
    }
    for (const data of early) feed.offerMessage(data);
    feed.start();
    // Redis is back after an outage: catch up now rather than at the next tail check.
    redis.on("ready", () => feed.catchUp());
    const store = new RedisStore(redis, commands, bus, feed, layout, log, options);
    store.scheduleCompaction(0);
    return store;
  }

  // ---- reads ------------------------------------------------------------------------

  get(key: string): Promise<KeyValue | undefined> {
    return this.run(async () => {
      checkKey(key);
      const { object, entries } = await this.commands.get(
        Buffer.from(key, "utf8"),
        this.revertFrom(),
      );
      let kv = object === undefined ? undefined : keyValue(key, object);
      const hold = this.oldestHeld();
      if (hold !== undefined) {
        for (const entry of entries.toReversed()) {
          if (entry.event.revision >= hold && entry.event.key === key) kv = stateBefore(entry);
        }
      }
      return kv;
    });
  }

  scan(options: ScanOptions): Promise<ScanResult> {
    return this.run(async () => {
      const range = scanRange(options);
      const bounds = lexBounds(range);
      const limited = range.limit !== Number.POSITIVE_INFINITY;
      const { revision, items, entries } = await this.commands.scan(
        bounds.min,
        bounds.max,
        limited ? range.limit + 1 : -1,
        this.revertFrom(),
      );
      const hold = this.oldestHeld();
      if (hold === undefined) {
        const kept = limited ? items.slice(0, range.limit) : items;
        return {
          items: kept.map((item) => keyValue(item.key.toString("utf8"), item.object)),
          revision,
          more: kept.length < items.length,
        };
      }
      return revertScan(range, bounds, items, entries, hold, limited);
    });
  }

  currentRevision(): Promise<number> {
    return this.run(async () => {
      const state = await this.commands.readState();
      this.feed.noteCompacted(state.compactRevision);
      const hold = this.oldestHeld();
      return hold === undefined ? state.revision : Math.min(state.revision, hold - 1);
    });
  }

  compactRevision(): Promise<number> {
    return this.run(async () => {
      const state = await this.commands.readState();
      this.feed.noteCompacted(state.compactRevision);
      return state.compactRevision;
    });
  }

  // ---- writes -----------------------------------------------------------------------

  create(key: string, value: Uint8Array): Promise<KeyValue> {
    return this.run(async () => {
      checkKey(key);
      checkValue(value);
      const bytes = ownBytes(value);
      const reply = await this.write("create", key, bytes, 0);
      if (reply.status === "exists") throw new KeyExistsError(key, reply.modRevision);
      if (reply.status !== "ok") throw new Error(`create got ${reply.status}`);
      return { key, value: bytes, createRevision: reply.revision, modRevision: reply.revision };
    });
  }

  update(key: string, value: Uint8Array, expectedModRevision: number): Promise<KeyValue> {
    return this.run(async () => {
      checkKey(key);
      checkValue(value);
      checkRevision(expectedModRevision, "expectedModRevision", 1);
      const bytes = ownBytes(value);
      const reply = await this.write("update", key, bytes, expectedModRevision);
      switch (reply.status) {
        case "ok":
          return {
            key,
            value: bytes,
            createRevision: reply.createRevision,
            modRevision: reply.revision,
          };
        case "noop":
          return {
            key,
            value: bytes,
            createRevision: reply.createRevision,
            modRevision: reply.modRevision,
          };
        case "missing":
          throw new KeyNotFoundError(key);
        case "conflict":
          throw new ConflictError(key, expectedModRevision, reply.modRevision);
        case "exists":
          throw new Error("update got exists");
      }
    });
  }

  delete(key: string, expectedModRevision?: number): Promise<DeleteResult> {
    return this.run(async () => {
      checkKey(key);
      if (expectedModRevision !== undefined) {
        checkRevision(expectedModRevision, "expectedModRevision", 1);
      }
      const reply = await this.write("delete", key, new Uint8Array(), expectedModRevision ?? 0);
      switch (reply.status) {
        case "ok":
          return {
            prev: {
              key,
              value: ownBytes(reply.prevValue ?? new Uint8Array()),
              createRevision: reply.createRevision,
              modRevision: reply.prevModRevision ?? 0,
            },
            revision: reply.revision,
          };
        case "missing":
          throw new KeyNotFoundError(key);
        case "conflict":
          throw new ConflictError(key, expectedModRevision ?? 0, reply.modRevision);
        default:
          throw new Error(`delete got ${reply.status}`);
      }
    });
  }

  /**
   * Runs the write script, then waits for its turn in the acknowledgement queue: replies
   * are queued in the order Redis ran them, so acknowledgements, events and the flush
   * hook go in revision order, and a reply that observed a write (a no-op or a conflict
   * against it) is not answered before that write is acknowledged.
   */
  private async write(
    op: WriteOp,
    key: string,
    value: Uint8Array,
    expectedModRevision: number,
  ): Promise<WriteReply> {
    const reply = await this.commands.write(
      op,
      Buffer.from(key, "utf8"),
      value,
      expectedModRevision,
    );
    const event = reply.status === "ok" ? writeEvent(op, key, value, reply) : undefined;
    return new Promise<WriteReply>((resolve, reject) => {
      this.acks.push({ event, resolve: () => resolve(reply), reject });
      if (!this.acking) void this.acknowledge();
    });
  }

  /** Works through the acknowledgement queue; synchronous when there is no flush hook. */
  private async acknowledge(): Promise<void> {
    this.acking = true;
    try {
      for (;;) {
        const ack = this.acks[0];
        if (ack === undefined) return;
        if (
          ack.event !== undefined &&
          this.afterFlush !== undefined &&
          this.failure === undefined
        ) {
          const revision = ack.event.revision;
          try {
            await this.afterFlush(revision, revision);
          } catch (error) {
            this.fail(error);
          }
        }
        if (this.failure !== undefined) {
          // Every queued write is committed in Redis: its fate is "unknown" to its caller.
          for (const failed of this.acks.splice(0)) failed.reject(this.failure.forWrite(true));
          return;
        }
        this.acks.shift();
        if (ack.event !== undefined) {
          this.feed.offerOwn(ack.event);
          this.bus.publish(encodeBusMessage(ack.event, this.maxMessageBytes));
        }
        ack.resolve();
      }
    } finally {
      this.acking = false;
    }
  }

  /**
   * The oldest of this store's writes that Redis has committed but the store has not
   * acknowledged (only while a flush hook holds it). Reads answer as of just before it,
   * stepping back over the log entries from it on, so nothing is visible before its flush.
   */
  private oldestHeld(): number | undefined {
    for (const ack of this.acks) if (ack.event !== undefined) return ack.event.revision;
    return undefined;
  }

  /**
   * Where reads fetch log entries from, to step back over held writes: only with a flush
   * hook (without one nothing is ever held when a reply is read). Every held write is
   * above the feed's head, which never passes one.
   */
  private revertFrom(): number {
    return this.afterFlush === undefined ? 0 : this.feed.head + 1;
  }

  // ---- watch ------------------------------------------------------------------------

  watch(
    prefix: string,
    fromRevision: number,
    signal?: AbortSignal,
  ): AsyncIterableIterator<WatchEvent> {
    checkKey(prefix, "prefix", true);
    checkRevision(fromRevision, "fromRevision", 0);
    return new RedisWatcher(
      {
        checkOpen: () => this.checkOpen(),
        feed: this.feed,
        readLog: (first, max) => this.commands.readLog(first, max),
      },
      prefix,
      fromRevision,
      signal,
    );
  }

  // ---- compaction -------------------------------------------------------------------

  private scheduleCompaction(delayMs: number): void {
    if (this.closed || this.failure !== undefined) return;
    this.compactionTimer = setTimeout(() => {
      this.compactionTimer = undefined;
      this.compacting = this.compactOnce().finally(() => {
        this.compacting = undefined;
      });
    }, delayMs);
    this.compactionTimer.unref();
  }

  private async compactOnce(): Promise<void> {
    const { windowMs, minRevisions, compactionIntervalMs } = this.history;
    let more = false;
    try {
      const result = await this.commands.compact(
        windowMs,
        minRevisions,
        Math.min(windowMs / 64, 1_000),
        COMPACTION_STEP,
      );
      this.feed.noteCompacted(result.compactRevision);
      more = result.more;
    } catch (error) {
      const now = Date.now();
      if (now - this.lastCompactionFailureLog > 5_000) {
        this.lastCompactionFailureLog = now;
        this.log.warn({ err: error }, "compaction failed; retrying");
      }
    }
    this.scheduleCompaction(more ? 0 : compactionIntervalMs);
  }

  // ---- lifecycle --------------------------------------------------------------------

  checkOpen(): void {
    const refusal = this.refusal();
    if (refusal !== undefined) throw refusal;
  }

  /** Why operations are refused now, if they are. */
  private refusal(): StoreFailedError | StoreClosedError | undefined {
    if (this.failure !== undefined) return this.failure;
    return this.closed ? new StoreClosedError() : undefined;
  }

  /** Runs an operation unless the store is closed or failed, and tracks it for close(). */
  private run<T>(operation: () => Promise<T>): Promise<T> {
    const refusal = this.refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    const promise = operation();
    this.inflight.add(promise);
    const forget = (): void => {
      this.inflight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  private fail(cause: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = new StoreFailedError(cause, false);
    this.log.warn({ err: cause, prefix: this.layout.prefix }, "store failed closed");
    clearTimeout(this.compactionTimer);
    void this.feed.stop();
    this.options.onFailure?.(this.failure);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.closed = true;
    // Accepted operations finish (writes are acknowledged); new ones are refused.
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
    clearTimeout(this.compactionTimer);
    await this.compacting;
    await this.feed.stop();
    await this.bus.close();
    try {
      await this.redis.quit();
    } catch (error) {
      this.log.warn({ err: error }, "Redis quit failed; disconnecting");
      this.redis.disconnect();
    }
  }
}

// ---- helpers ----------------------------------------------------------------------------

function keyValue(key: string, object: EncodedObject): KeyValue {
  return {
    key,
    value: ownBytes(object.value),
    createRevision: object.createRevision,
    modRevision: object.modRevision,
  };
}

function writeEvent(
  op: WriteOp,
  key: string,
  value: Uint8Array,
  reply: Extract<WriteReply, { status: "ok" }>,
): WatchEvent {
  const prevValue = reply.prevValue === undefined ? undefined : ownBytes(reply.prevValue);
  switch (op) {
    case "create":
      return { type: "ADDED", key, value, prevValue: undefined, revision: reply.revision };
    case "update":
      return { type: "MODIFIED", key, value, prevValue, revision: reply.revision };
    case "delete": {
      const last = prevValue ?? new Uint8Array();
      return { type: "DELETED", key, value: last, prevValue: last, revision: reply.revision };
    }
  }
}

interface LexBounds {
  /** ZRANGEBYLEX arguments. */
  readonly min: Buffer;
  readonly max: Buffer;
  readonly start: Buffer;
  /** Exclusive upper bound; undefined = none. */
  readonly end: Buffer | undefined;
}

/** The range as ZRANGEBYLEX bounds: members compare as bytes, like UTF-8 keys. */
function lexBounds(range: KeyRange): LexBounds {
  const start = Buffer.from(range.start, "utf8");
  const end =
    range.prefix !== undefined
      ? successor(Buffer.from(range.prefix, "utf8"))
      : range.end === undefined
        ? undefined
        : Buffer.from(range.end, "utf8");
  return {
    min: start.length === 0 ? Buffer.from("-") : Buffer.concat([Buffer.from("["), start]),
    max: end === undefined ? Buffer.from("+") : Buffer.concat([Buffer.from("("), end]),
    start,
    end,
  };
}

/** The smallest byte string above every string that starts with `prefix`. */
function successor(prefix: Buffer): Buffer | undefined {
  let length = prefix.length;
  while (length > 0 && prefix[length - 1] === 0xff) length--;
  if (length === 0) return undefined;
  const next = Buffer.from(prefix.subarray(0, length));
  next[length - 1] = (next[length - 1] ?? 0) + 1;
  return next;
}

/**
 * A scan as of just before `hold`: the keys read (limit + one per entry, so that stepping
 * back cannot leave the page short) with every log entry from `hold` on undone, newest
 * first.
 */
function revertScan(
  range: KeyRange,
  bounds: LexBounds,
  items: readonly { key: Buffer; object: EncodedObject }[],
  entries: readonly LogEntry[],
  hold: number,
  limited: boolean,
): ScanResult {
  const state = new Map<string, KeyValue | undefined>();
  for (const item of items) {
    const key = item.key.toString("utf8");
    state.set(key, keyValue(key, item.object));
  }
  for (const entry of entries.toReversed()) {
    if (entry.event.revision < hold) continue;
    const key = Buffer.from(entry.event.key, "utf8");
    const inRange =
      Buffer.compare(key, bounds.start) >= 0 &&
      (bounds.end === undefined || Buffer.compare(key, bounds.end) < 0);
    if (inRange) state.set(entry.event.key, stateBefore(entry));
  }
  const all = [...state.values()]
    .filter((kv): kv is KeyValue => kv !== undefined)
    .sort((a, b) => Buffer.compare(Buffer.from(a.key, "utf8"), Buffer.from(b.key, "utf8")));
  const requested = range.limit + entries.length + 1;
  const complete = !limited || items.length < requested;
  const kept = limited ? all.slice(0, range.limit) : all;
  return {
    items: kept,
    revision: hold - 1,
    more: complete ? all.length > kept.length : true,
  };
}
