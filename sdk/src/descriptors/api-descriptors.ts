// The API's protobuf descriptors at run time. `make proto` embeds the buf-built descriptor
// set (with comments) in sdk/src/gen/descriptor-set.ts; the manifest codec, the kinds
// registry, validation and `k8ts explain` all read the model from here, so the .proto files
// stay the single source of truth.
import {
  createFileRegistry,
  fromBinary,
  getOption,
  hasOption,
  type DescExtension,
  type DescField,
  type DescMessage,
  type FileRegistry,
} from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { descriptorSetBase64 } from "../gen/descriptor-set.js";

export const API_PACKAGE = "k8ts.api.v1";

/** Validation rules of one field (proto: k8ts.api.v1.FieldRules). */
export interface FieldRules {
  readonly enum: readonly string[];
  readonly minimum: number | undefined;
  readonly maximum: number | undefined;
  readonly format: string;
  readonly required: boolean;
  /** On a list of messages: the item field that identifies an item (patchMergeKey); "" = none. */
  readonly mergeKey: string;
  /** On a list of scalars: the list is merged as a set by strategic merge patches. */
  readonly listSet: boolean;
}

/** A top-level kind (proto: k8ts.api.v1.ResourceInfo). */
export interface ResourceInfo {
  readonly kind: string;
  readonly apiVersion: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  readonly nameFormat: string;
}

interface ApiDescriptors {
  readonly registry: FileRegistry;
  readonly fieldExt: DescExtension;
  readonly resourceExt: DescExtension;
}

let loaded: ApiDescriptors | undefined;

function load(): ApiDescriptors {
  if (loaded !== undefined) return loaded;
  const set = fromBinary(FileDescriptorSetSchema, Buffer.from(descriptorSetBase64, "base64"));
  const registry = createFileRegistry(set);
  const fieldExt = registry.getExtension(`${API_PACKAGE}.field`);
  const resourceExt = registry.getExtension(`${API_PACKAGE}.resource`);
  if (fieldExt === undefined || resourceExt === undefined)
    throw new Error("descriptor set lacks k8ts.api.v1 rules extensions: run `make proto`");
  loaded = { registry, fieldExt, resourceExt };
  return loaded;
}

/** The registry of every file in the API descriptor set. */
export function apiRegistry(): FileRegistry {
  return load().registry;
}

/** A message descriptor by full name; throws when the model has no such message. */
export function messageDescriptor(typeName: string): DescMessage {
  const desc = load().registry.getMessage(typeName);
  if (desc === undefined) throw new Error(`no message ${typeName} in the API descriptors`);
  return desc;
}

const NO_RULES: FieldRules = {
  enum: [],
  minimum: undefined,
  maximum: undefined,
  format: "",
  required: false,
  mergeKey: "",
  listSet: false,
};
const rulesCache = new WeakMap<DescField, FieldRules>();

interface RawFieldRules {
  enum?: string[];
  minimum?: bigint;
  maximum?: bigint;
  format?: string;
  required?: boolean;
  mergeKey?: string;
  listSet?: boolean;
}

/** The FieldRules option of a field, or no rules. */
export function fieldRules(field: DescField): FieldRules {
  const cached = rulesCache.get(field);
  if (cached !== undefined) return cached;
  const { fieldExt } = load();
  let rules = NO_RULES;
  if (hasOption(field, fieldExt)) {
    const raw = getOption(field, fieldExt) as RawFieldRules;
    rules = {
      enum: raw.enum ?? [],
      minimum: raw.minimum === undefined ? undefined : Number(raw.minimum),
      maximum: raw.maximum === undefined ? undefined : Number(raw.maximum),
      format: raw.format ?? "",
      required: raw.required ?? false,
      mergeKey: raw.mergeKey ?? "",
      listSet: raw.listSet ?? false,
    };
  }
  rulesCache.set(field, rules);
  return rules;
}

interface RawResourceInfo {
  kind?: string;
  apiVersion?: string;
  plural?: string;
  singular?: string;
  shortNames?: string[];
  namespaced?: boolean;
  nameFormat?: string;
}

/** The ResourceInfo option of a message, when it is a top-level kind. */
export function resourceInfo(message: DescMessage): ResourceInfo | undefined {
  const { resourceExt } = load();
  if (!hasOption(message, resourceExt)) return undefined;
  const raw = getOption(message, resourceExt) as RawResourceInfo;
  const kind = raw.kind ?? message.name;
  return {
    kind,
    apiVersion: raw.apiVersion ?? "v1",
    plural: raw.plural ?? `${kind.toLowerCase()}s`,
    singular: raw.singular ?? kind.toLowerCase(),
    shortNames: raw.shortNames ?? [],
    namespaced: raw.namespaced ?? false,
    nameFormat: raw.nameFormat ?? "dns1123-subdomain",
  };
}

/** Every message of the API package that is a top-level kind, in declaration order. */
export function resourceMessages(): Array<{ message: DescMessage; info: ResourceInfo }> {
  const out: Array<{ message: DescMessage; info: ResourceInfo }> = [];
  for (const file of load().registry.files) {
    if (file.proto.package !== API_PACKAGE) continue;
    for (const message of file.messages) {
      const info = resourceInfo(message);
      if (info !== undefined) out.push({ message, info });
    }
  }
  return out;
}
