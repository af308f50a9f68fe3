// What goes over NATS: one message per committed write, binary, so a value is never
// re-encoded. A write whose values exceed the size cap is announced without them (a
// "revision only" message); receivers read it from the change log.
//
//   u8  format (1)
//   u8  kind: 0 revision only, 1 ADDED, 2 MODIFIED, 3 DELETED
//   f64 revision (an integer, exact up to 2^53)
//   then, unless revision only:
//   u32 key length, key (UTF-8)
//   u32 value length, value           (for DELETED: the last value)
//   u32 previous value length, value  (absent for ADDED and DELETED)

import type { WatchEvent, WatchEventType } from "../store.js";

const FORMAT = 1;
const KINDS: readonly WatchEventType[] = ["ADDED", "MODIFIED", "DELETED"];

export type BusMessage =
  | { readonly revision: number; readonly event: WatchEvent }
  | { readonly revision: number; readonly event: undefined };

/** Bytes a message carries beyond its header, for the size cap. */
export function payloadSize(event: WatchEvent): number {
  return (
    Buffer.byteLength(event.key) +
    event.value.length +
    (event.type === "MODIFIED" ? (event.prevValue?.length ?? 0) : 0)
  );
}

export function encodeBusMessage(event: WatchEvent, maxPayloadBytes: number): Uint8Array {
  if (payloadSize(event) > maxPayloadBytes) {
    const header = Buffer.allocUnsafe(10);
    header.writeUInt8(FORMAT, 0);
    header.writeUInt8(0, 1);
    header.writeDoubleBE(event.revision, 2);
    return header;
  }
  const key = Buffer.from(event.key, "utf8");
  const prev = event.type === "MODIFIED" ? (event.prevValue ?? new Uint8Array()) : undefined;
  const size =
    10 + 4 + key.length + 4 + event.value.length + (prev === undefined ? 0 : 4 + prev.length);
  const out = Buffer.allocUnsafe(size);
  out.writeUInt8(FORMAT, 0);
  out.writeUInt8(KINDS.indexOf(event.type) + 1, 1);
  out.writeDoubleBE(event.revision, 2);
  let at = 10;
  const put = (bytes: Uint8Array): void => {
    out.writeUInt32BE(bytes.length, at);
    out.set(bytes, at + 4);
    at += 4 + bytes.length;
  };
  put(key);
  put(event.value);
  if (prev !== undefined) put(prev);
  return out;
}

/** The message, or undefined if it is not one (the receiver then relies on the log). */
export function decodeBusMessage(data: Uint8Array): BusMessage | undefined {
  if (data.length < 10) return undefined;
  const view = Buffer.from(data.buffer, data.byteOffset, data.length);
  if (view.readUInt8(0) !== FORMAT) return undefined;
  const kind = view.readUInt8(1);
  const revision = view.readDoubleBE(2);
  if (!Number.isSafeInteger(revision) || revision < 1) return undefined;
  if (kind === 0) return data.length === 10 ? { revision, event: undefined } : undefined;
  const type = KINDS[kind - 1];
  if (type === undefined) return undefined;
  let at = 10;
  const take = (): Uint8Array | undefined => {
    if (at + 4 > view.length) return undefined;
    const length = view.readUInt32BE(at);
    if (at + 4 + length > view.length) return undefined;
    // A copy: the message buffer is the client's, and events outlive it.
    const bytes = new Uint8Array(view.subarray(at + 4, at + 4 + length));
    at += 4 + length;
    return bytes;
  };
  const key = take();
  const value = take();
  const prev = type === "MODIFIED" ? take() : undefined;
  if (key === undefined || value === undefined || (type === "MODIFIED" && prev === undefined)) {
    return undefined;
  }
  if (at !== view.length) return undefined;
  const event: WatchEvent = {
    type,
    key: Buffer.from(key).toString("utf8"),
    value,
    prevValue: type === "ADDED" ? undefined : type === "DELETED" ? value : prev,
    revision,
  };
  return { revision, event };
}
