// The kinds registry: every top-level kind of the API with the names users type for it.
// Derived from the `(k8ts.api.v1.resource)` option on the .proto messages, so adding a
// kind to the model adds it here, to the CLI and to the garbage collector at once.
import type { DescMessage } from "@bufbuild/protobuf";
import { API_PACKAGE, resourceMessages, type ResourceInfo } from "../descriptors/api-descriptors.js";

export interface KindInfo extends ResourceInfo {
  /** Full protobuf name of the object message, e.g. "k8ts.api.v1.Pod". */
  readonly typeName: string;
  /** Full protobuf name of the list message, e.g. "k8ts.api.v1.PodList". */
  readonly listTypeName: string;
  /** Full gRPC service name, e.g. "k8ts.api.v1.Pods". */
  readonly serviceName: string;
  /** The object's message descriptor. */
  readonly descriptor: DescMessage;
}

let kinds: readonly KindInfo[] | undefined;
let byName: Map<string, KindInfo> | undefined;

function pascal(plural: string): string {
  return plural.charAt(0).toUpperCase() + plural.slice(1);
}

function build(): { kinds: readonly KindInfo[]; byName: Map<string, KindInfo> } {
  if (kinds !== undefined && byName !== undefined) return { kinds, byName };
  const list: KindInfo[] = resourceMessages().map(({ message, info }) => ({
    ...info,
    typeName: message.typeName,
    listTypeName: `${API_PACKAGE}.${message.name}List`,
    serviceName: `${API_PACKAGE}.${pascal(info.plural)}`,
    descriptor: message,
  }));
  const names = new Map<string, KindInfo>();
  for (const k of list) {
    for (const n of [k.kind, k.plural, k.singular, ...k.shortNames]) {
      const key = n.toLowerCase();
      const other = names.get(key);
      if (other !== undefined && other !== k)
        throw new Error(`kind name "${n}" is used by both ${other.kind} and ${k.kind}`);
      names.set(key, k);
    }
  }
  kinds = list;
  byName = names;
  return { kinds: list, byName: names };
}

/** Every kind, in the order the model declares them. */
export function allKinds(): readonly KindInfo[] {
  return build().kinds;
}

/**
 * A kind by any name users type: kind ("Deployment"), plural ("deployments"), singular
 * ("deployment") or short name ("deploy"), case-insensitively.
 */
export function lookupKind(name: string): KindInfo | undefined {
  return build().byName.get(name.toLowerCase());
}

/** The kind a manifest's `apiVersion` and `kind` name, exactly as Kubernetes spells them. */
export function kindForManifest(apiVersion: string, kind: string): KindInfo | undefined {
  return build().kinds.find((k) => k.kind === kind && k.apiVersion === apiVersion);
}

/** The kind whose object message is `typeName`. */
export function kindForType(typeName: string): KindInfo | undefined {
  return build().kinds.find((k) => k.typeName === typeName);
}
