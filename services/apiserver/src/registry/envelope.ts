// The stored form of an object: StoredObject {apiVersion, kind, raw} (see
// proto/k8ts/storage/v1/stored_object.proto), so a later API version can convert what
// an earlier one wrote. resourceVersion is never stored: it is the key's modRevision,
// filled in when the object is read.
import { kindForManifest, messageFns, type KindInfo } from "@k8ts/sdk";
import { StoredObject } from "@k8ts/sdk/gen/k8ts/storage/v1/stored_object.js";

export interface ApiObject {
  metadata?: import("@k8ts/sdk/gen/k8ts/api/v1/meta.js").ObjectMeta | undefined;
}

export class CorruptObjectError extends Error {
  constructor(key: string, reason: string) {
    super(`stored object ${key} cannot be read: ${reason}`);
    this.name = "CorruptObjectError";
  }
}

export function encodeStored(kind: KindInfo, object: ApiObject): Uint8Array {
  const raw = messageFns(kind.typeName).encode(object).finish();
  return StoredObject.encode({
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    raw: Buffer.from(raw),
  }).finish();
}

export interface DecodedStored {
  readonly kind: KindInfo;
  readonly object: ApiObject;
}

export function decodeStored(key: string, bytes: Uint8Array): DecodedStored {
  const stored = StoredObject.decode(bytes);
  const kind = kindForManifest(stored.apiVersion, stored.kind);
  if (kind === undefined)
    throw new CorruptObjectError(key, `unknown kind ${stored.apiVersion}/${stored.kind}`);
  const object = messageFns(kind.typeName).decode(stored.raw) as ApiObject;
  return { kind, object };
}
