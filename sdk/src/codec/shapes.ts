// How a descriptor maps onto the ts-proto generated TypeScript (see proto/buf.gen.yaml):
// properties are json names (useJsonName), oneofs are `{ $case, value }` unions under the
// oneof's camelCase name (oneof=unions-value), Timestamp is a Date (useDate), 64-bit
// integers are numbers (forceLong=number), bytes are Buffers, and only fields with
// explicit presence (`optional`, messages, oneof members) may be undefined.
import { ScalarType, type DescField, type DescOneof } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";

export const TIMESTAMP = "google.protobuf.Timestamp";
export const QUANTITY = "k8ts.api.v1.Quantity";
export const INT_OR_STRING = "k8ts.api.v1.IntOrString";

export function propertyName(field: DescField): string {
  return field.jsonName;
}

export function oneofProperty(oneof: DescOneof): string {
  return oneof.name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function hasExplicitPresence(field: DescField): boolean {
  return field.presence === FeatureSet_FieldPresence.EXPLICIT;
}

export function defaultScalar(type: ScalarType): unknown {
  switch (type) {
    case ScalarType.STRING:
      return "";
    case ScalarType.BOOL:
      return false;
    case ScalarType.BYTES:
      return Buffer.alloc(0);
    default:
      return 0;
  }
}
