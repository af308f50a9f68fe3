// Wire encoding of list and watch responses from already-encoded objects, so an object
// is encoded once however many watchers and lists carry it. Every kind's messages share
// one layout (see the generated *_service.proto):
//   <Kind>WatchEvent { string type = 1; <Kind> object = 2; ... }
//   <Kind>List       { ListMeta metadata = 1; repeated <Kind> items = 2; }
//   <Kind>           { ObjectMeta metadata = 1; ... }
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { ListMeta, ObjectMeta } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";

/** Encoded <Kind>WatchEvent carrying an encoded object. */
export function encodeWatchEvent(type: string, object: Uint8Array): Uint8Array {
  return new BinaryWriter().uint32(10).string(type).uint32(18).bytes(object).finish();
}

/** Encoded object with only metadata (resourceVersion, annotations): a bookmark's object. */
export function encodeMetadataOnly(
  resourceVersion: string,
  annotations: Record<string, string> = {},
): Uint8Array {
  const meta = ObjectMeta.encode(ObjectMeta.fromPartial({ resourceVersion, annotations })).finish();
  return new BinaryWriter().uint32(10).bytes(meta).finish();
}

/** Encoded <Kind>List from list metadata and encoded items. */
export function encodeList(meta: ListMeta, items: readonly Uint8Array[]): Buffer {
  const w = new BinaryWriter();
  w.uint32(10).bytes(ListMeta.encode(meta).finish());
  for (const item of items) w.uint32(18).bytes(item);
  return Buffer.from(w.finish());
}
