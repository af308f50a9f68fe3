// The change log is a Redis stream whose entry ids are `<revision>-0`, so stream order is
// revision order and XRANGE from a revision reads the history after it. An entry carries
// what a watch event needs and what a read needs to step back over it:
//
//   t  "A" (ADDED), "M" (MODIFIED) or "D" (DELETED)
//   k  key
//   v  the new value (absent for D: the event's value is the last one, p)
//   p  the previous value (absent for A)
//   c  the key's createRevision
//   m  the previous modRevision (absent for A)
//   w  the id of the store instance that wrote it (see EventFeed: a store delivers its
//      own writes when it acknowledges them, not when it happens to read them here)

import { StoreCorruptError } from "../errors.js";
import type { KeyValue, WatchEvent, WatchEventType } from "../store.js";
import { ownBytes, replyArray, replyBuffer, replyText } from "./redis-replies.js";

export interface LogEntry {
  readonly event: WatchEvent;
  readonly createRevision: number;
  /** The key's modRevision before this write; undefined for ADDED. */
  readonly prevModRevision: number | undefined;
  readonly writer: string;
}

const TYPES: Readonly<Record<string, WatchEventType>> = { A: "ADDED", M: "MODIFIED", D: "DELETED" };

/** Entries of an XRANGE reply, in order. */
export function decodeLogEntries(reply: unknown): LogEntry[] {
  return replyArray(reply, "log entries").map(decodeLogEntry);
}

function decodeLogEntry(reply: unknown): LogEntry {
  const [idReply, fieldsReply] = replyArray(reply, "log entry");
  const id = replyText(idReply, "log entry id");
  const revision = Number(id.endsWith("-0") ? id.slice(0, -2) : Number.NaN);
  if (!Number.isSafeInteger(revision) || revision < 1) {
    throw new StoreCorruptError(`change log entry has an unexpected id ${JSON.stringify(id)}`);
  }
  const fields = replyArray(fieldsReply, "log entry fields");
  const byName = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    byName.set(replyText(fields[i], "field name"), replyBuffer(fields[i + 1], "field value"));
  }
  const field = (name: string): Buffer => {
    const value = byName.get(name);
    if (value === undefined) {
      throw new StoreCorruptError(`change log entry ${revision} has no field ${name}`);
    }
    return value;
  };
  const type = TYPES[field("t").toString("latin1")];
  if (type === undefined) {
    throw new StoreCorruptError(`change log entry ${revision} has an unknown type`);
  }
  const key = field("k").toString("utf8");
  const prevValue = type === "ADDED" ? undefined : ownBytes(field("p"));
  const value = type === "DELETED" ? (prevValue ?? new Uint8Array()) : ownBytes(field("v"));
  const number = (name: string): number => {
    const parsed = Number(field(name).toString("latin1"));
    if (!Number.isSafeInteger(parsed)) {
      throw new StoreCorruptError(`change log entry ${revision} has a malformed ${name}`);
    }
    return parsed;
  };
  return {
    event: { type, key, value, prevValue, revision },
    createRevision: number("c"),
    prevModRevision: type === "ADDED" ? undefined : number("m"),
    writer: byName.get("w")?.toString("latin1") ?? "",
  };
}

/** The key as it was just before this entry's write; undefined if it did not exist. */
export function stateBefore(entry: LogEntry): KeyValue | undefined {
  const { event } = entry;
  if (event.prevValue === undefined || entry.prevModRevision === undefined) return undefined;
  return {
    key: event.key,
    value: event.prevValue,
    createRevision: entry.createRevision,
    modRevision: entry.prevModRevision,
  };
}
