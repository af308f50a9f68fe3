// @k8ts/sdk: what every k8ts component and client builds on.
export * from "./quantity/quantity.js";
export * from "./validation/formats.js";
export * from "./descriptors/api-descriptors.js";
export * from "./kinds/kinds.js";
export * from "./codec/violations.js";
export { decodeManifests, decodeObject, encodeObject, toJson, toYaml } from "./codec/manifest.js";
export type { DecodedObject, DecodeOptions, EncodableObject } from "./codec/manifest.js";
export { ignoredFields } from "./codec/ignored-fields.js";
export * from "./grpc/index.js";
export * from "./selectors/label-selector.js";
export * from "./selectors/field-selector.js";
