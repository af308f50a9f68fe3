// The kinds registry: every top-level kind of the API with the names users type for it.
// Derived from the `(k8ts.api.v1.resource)` option on the .proto messages, so adding a
// kind to the model adds it here, to the CLI and to the garbage collector at once.
import type { DescMessage } from "@bufbuild/protobuf";
import {
  API_PACKAGE,
  apiRegistry,
  resourceMessages,
  type ResourceInfo,
} from "../descriptors/api-descriptors.js";

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

/** The service whose Get returns the kind: "Pods" for Pod ("EndpointsService" for Endpoints). */
function serviceFor(message: DescMessage): string {
  for (const file of apiRegistry().files) {
    for (const service of file.services) {
      if (service.methods.some((m) => m.name === "Get" && m.output.typeName === message.typeName))
        return service.typeName;
    }
  }
  throw new Error(`no service serves ${message.typeName}: run \`make proto\``);
}

function build(): { kinds: readonly KindInfo[]; byName: Map<string, KindInfo> } {
  if (kinds !== undefined && byName !== undefined) return { kinds, byName };
  const list: KindInfo[] = resourceMessages().map(({ message, info }) => ({
    ...info,
    typeName: message.typeName,
    listTypeName: `${API_PACKAGE}.${message.name}List`,
    serviceName: serviceFor(message),
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
