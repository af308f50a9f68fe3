// The Redis side of the store: one connection, the scripts run on it, their replies read
// into typed values, and Redis failures turned into StoreUnavailableError once.
//
// The connection never queues a command while it is down and never re-sends one after a
// reconnect (a re-sent write could apply twice or report a conflict with itself): a
// command fails at once with StoreUnavailableError, and ioredis reconnects by itself in
// the background. Replies on one connection arrive in the order Redis ran the commands,
// so this store's writes are acknowledged in revision order.

import type { Redis } from "ioredis";
import { StoreCorruptError, StoreError, StoreUnavailableError } from "../errors.js";
import { decodeLogEntries, type LogEntry } from "./change-log.js";
import type { FeedSource, LogRead } from "./event-feed.js";
import type { StoreLayout } from "./key-layout.js";
import { COMPACT, GET, READ_LOG, SCAN, STATE, WRITE, type LuaScript } from "./lua-scripts.js";
import { ScriptBatcher } from "./script-batcher.js";
import {
  refusedBeforeRunning,
  replyArray,
  replyBuffer,
  replyNumber,
  replyOptionalBuffer,
  replyText,
} from "./redis-replies.js";

export type WriteOp = "create" | "update" | "delete";

export type WriteReply =
  | {
      readonly status: "ok";
      readonly revision: number;
      readonly createRevision: number;
      /** update, delete: the key before the write. */
      readonly prevModRevision: number | undefined;
      readonly prevValue: Buffer | undefined;
    }
  | { readonly status: "noop"; readonly createRevision: number; readonly modRevision: number }
  | { readonly status: "exists"; readonly modRevision: number }
  | { readonly status: "missing" }
  | { readonly status: "conflict"; readonly modRevision: number };

export interface EncodedObject {
  readonly createRevision: number;
  readonly modRevision: number;
  readonly value: Buffer;
}

const OPS: Readonly<Record<WriteOp, string>> = { create: "c", update: "u", delete: "d" };

export class StoreCommands implements FeedSource {
  /** Bumped when the connection drops: see writerId(). */
  private epoch = 0;
  private readonly batcher: ScriptBatcher;
  /** Script calls sent, and the pipelines they went in (one per event-loop turn). */
  readonly batching: { readonly calls: number; readonly pipelines: number };

  constructor(
    redis: Redis,
    private readonly layout: StoreLayout,
    /** The Redis URL without credentials, for errors. */
    readonly address: string,
    private readonly instanceId: string,
  ) {
    this.batcher = new ScriptBatcher(redis);
    this.batching = this.batcher.stats;
    redis.on("close", () => {
      this.epoch++;
    });
  }

  /**
   * The id written into this store's log entries. It changes whenever a write may have
   * been lost in flight (the connection dropped, a reply never came): such a write is
   * never acknowledged, so its entry must be delivered from the log like anyone else's.
   */
  writerId(): string {
    return `${this.instanceId}.${this.epoch}`;
  }

  async write(
    op: WriteOp,
    key: Buffer,
    value: Uint8Array,
    expectedModRevision: number,
  ): Promise<WriteReply> {
    const l = this.layout;
    const reply = replyArray(
      await this.call(
        WRITE,
        [l.revision, l.objects, l.index, l.log],
        [
          OPS[op],
          key,
          Buffer.from(value.buffer, value.byteOffset, value.length),
          String(expectedModRevision),
          this.writerId(),
        ],
        true,
      ),
      "write",
    );
    const status = replyText(reply[0], "write status");
    switch (status) {
      case "ok":
        return {
          status,
          revision: replyNumber(reply[1], "revision"),
          createRevision: replyNumber(reply[2], "createRevision"),
          prevModRevision: reply.length > 3 ? replyNumber(reply[3], "modRevision") : undefined,
          prevValue: reply.length > 4 ? replyBuffer(reply[4], "previous value") : undefined,
        };
      case "noop":
        return {
          status,
          createRevision: replyNumber(reply[1], "createRevision"),
          modRevision: replyNumber(reply[2], "modRevision"),
        };
      case "exists":
      case "conflict":
        return { status, modRevision: replyNumber(reply[1], "modRevision") };
      case "missing":
        return { status };
      default:
        throw replyError(`write status ${JSON.stringify(status)}`);
    }
  }

  /** A key's object and, when revertFrom > 0, the log entries from revertFrom on. */
  async get(
    key: Buffer,
    revertFrom: number,
  ): Promise<{ object: EncodedObject | undefined; entries: LogEntry[] }> {
    const reply = replyArray(
      await this.call(GET, [this.layout.objects, this.layout.log], [key, String(revertFrom)]),
      "get",
    );
    const encoded = replyOptionalBuffer(reply[0], "object");
    return {
      object: encoded === undefined ? undefined : decodeObject(encoded),
      entries: revertFrom > 0 ? decodeLogEntries(reply[1]) : [],
    };
  }

  /** Keys in a ZRANGEBYLEX range with their objects (count < 0: all). */
  async scan(
    min: Buffer,
    max: Buffer,
    count: number,
    revertFrom: number,
  ): Promise<{
    revision: number;
    items: { key: Buffer; object: EncodedObject }[];
    entries: LogEntry[];
  }> {
    const l = this.layout;
    const reply = replyArray(
      await this.call(
        SCAN,
        [l.revision, l.objects, l.index, l.log],
        [min, max, String(count), String(revertFrom)],
      ),
      "scan",
    );
    const keys = replyArray(reply[1], "scan keys");
    const values = replyArray(reply[2], "scan values");
    const items: { key: Buffer; object: EncodedObject }[] = [];
    keys.forEach((key, i) => {
      const encoded = replyOptionalBuffer(values[i], "object");
      // The index and the objects change together in one script; a key without an object
      // would be a bug, not a race.
      if (encoded === undefined) throw replyError("an indexed key without an object");
      items.push({ key: replyBuffer(key, "key"), object: decodeObject(encoded) });
    });
    return {
      revision: replyNumber(reply[0], "revision"),
      items,
      entries: revertFrom > 0 ? decodeLogEntries(reply[3]) : [],
    };
  }

  async readState(): Promise<{ revision: number; compactRevision: number }> {
    const reply = replyArray(
      await this.call(STATE, [this.layout.revision, this.layout.compact], []),
      "state",
    );
    return {
      revision: replyNumber(reply[0], "revision"),
      compactRevision: replyNumber(reply[1], "compactRevision"),
    };
  }

  async readLog(firstRevision: number, maxEntries: number): Promise<LogRead> {
    const l = this.layout;
    const reply = replyArray(
      await this.call(
        READ_LOG,
        [l.revision, l.compact, l.log],
        [String(firstRevision), String(Math.max(1, maxEntries))],
      ),
      "read log",
    );
    return {
      revision: replyNumber(reply[0], "revision"),
      compactRevision: replyNumber(reply[1], "compactRevision"),
      entries: decodeLogEntries(reply[2]),
    };
  }

  async compact(
    windowMs: number,
    minRevisions: number,
    markerSpacingMs: number,
    maxStep: number,
  ): Promise<{ compactRevision: number; more: boolean }> {
    const l = this.layout;
    const reply = replyArray(
      await this.call(
        COMPACT,
        [l.revision, l.compact, l.log, l.times],
        [
          String(Math.floor(windowMs)),
          String(minRevisions),
          String(Math.floor(markerSpacingMs)),
          String(maxStep),
        ],
      ),
      "compact",
    );
    return {
      compactRevision: replyNumber(reply[0], "compactRevision"),
      more: replyNumber(reply[1], "compaction more") === 1,
    };
  }

  private async call(
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | Buffer | number)[],
    write = false,
  ): Promise<unknown> {
    try {
      return await this.batcher.run(script, keys, args);
    } catch (error) {
      if (error instanceof StoreError) throw error;
      const outcomeUnknown = write && !refusedBeforeRunning(error);
      if (outcomeUnknown) this.epoch++;
      throw new StoreUnavailableError("redis", this.address, outcomeUnknown, error);
    }
  }
}

function decodeObject(encoded: Buffer): EncodedObject {
  const createRevision = Number.parseInt(encoded.toString("latin1", 0, 16), 16);
  const modRevision = Number.parseInt(encoded.toString("latin1", 16, 32), 16);
  if (
    encoded.length < 32 ||
    !Number.isSafeInteger(createRevision) ||
    !Number.isSafeInteger(modRevision)
  ) {
    throw replyError("an object without revisions");
  }
  return { createRevision, modRevision, value: encoded.subarray(32) };
}

function replyError(what: string): StoreCorruptError {
  return new StoreCorruptError(`unexpected data in Redis: ${what}`);
}
