// Primitives shared by the hand-written protobuf codecs of the gRPC infrastructure services
// (reflection, health). Those services are defined by gRPC, not by the k8ts API, so their
// few messages are encoded by hand instead of being generated into the API's proto tree.
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/** A protobuf message that does not match its schema on the wire. */
export class MalformedMessageError extends Error {
  override readonly name = "MalformedMessageError";
}

/** Throws MalformedMessageError unless `actual` is the wire type the schema gives `field`. */
export function expectWireType(actual: WireType, expected: WireType, field: string): void {
  if (actual !== expected)
    throw new MalformedMessageError(`${field}: wire type ${actual}, expected ${expected}`);
}

/**
 * Reads one occurrence of a repeated int32 field, packed (proto3's default) or not, into
 * `into`.
 */
export function readRepeatedInt32(
  reader: BinaryReader,
  wireType: WireType,
  field: string,
  into: number[],
): void {
  if (wireType === WireType.Varint) {
    into.push(reader.int32());
    return;
  }
  expectWireType(wireType, WireType.LengthDelimited, field);
  const packed = new BinaryReader(reader.bytes());
  while (packed.pos < packed.len) into.push(packed.int32());
}

/** The bytes as a Buffer (what grpc-js serializers return) without copying them. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
