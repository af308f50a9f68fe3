// How kubectl names kinds and objects to users: `deployment.apps/web` in results,
// `deployments.apps "web"` in errors, `namespace/blog` for the core group, and the kind
// names users may type (kind, plural, singular, short name; case-insensitive).
import {
  lookupKind,
  type ApiClient,
  type KindClient,
  type KindInfo,
  type KindName,
} from "@k8ts/sdk";
import type { KindObjects } from "@k8ts/sdk";
import { CliError } from "../errors/cli-error.js";

/** Any API object: every kind has `metadata`. */
export type ApiObject = KindObjects[KindName];

/** The API group of a kind: "apps" for apps/v1, "" for the core group (v1). */
export function groupOf(kind: KindInfo): string {
  const slash = kind.apiVersion.indexOf("/");
  return slash < 0 ? "" : kind.apiVersion.slice(0, slash);
}

function withGroup(name: string, kind: KindInfo): string {
  const group = groupOf(kind);
  return group === "" ? name : `${name}.${group}`;
}

/** "deployment.apps", "namespace": how results name the kind. */
export function singularRef(kind: KindInfo): string {
  return withGroup(kind.singular, kind);
}

/** "deployments.apps", "namespaces": how errors name the kind. */
export function pluralRef(kind: KindInfo): string {
  return withGroup(kind.plural, kind);
}

/** "deployment.apps/web". */
export function objectRef(kind: KindInfo, name: string): string {
  return `${singularRef(kind)}/${name}`;
}

/** The version of a kind: "v1" for apps/v1 and for v1. */
function versionOf(kind: KindInfo): string {
  const slash = kind.apiVersion.indexOf("/");
  return slash < 0 ? kind.apiVersion : kind.apiVersion.slice(slash + 1);
}

/**
 * A name qualified as kubectl allows: `deployments.apps`, `deployments.v1.apps`,
 * `ingresses.networking.k8s.io`; the qualifier must be the kind's own group.
 */
function lookupQualified(text: string): KindInfo | undefined {
  const dot = text.indexOf(".");
  if (dot <= 0) return undefined;
  const kind = lookupKind(text.slice(0, dot));
  if (kind === undefined) return undefined;
  const qualifier = text.slice(dot + 1).toLowerCase();
  const group = groupOf(kind);
  return group !== "" && (qualifier === group || qualifier === `${versionOf(kind)}.${group}`)
    ? kind
    : undefined;
}

/** The kind a user typed, or `error: the server doesn't have a resource type "foo"`. */
export function resolveKind(text: string): KindInfo {
  const kind = lookupKind(text) ?? lookupQualified(text);
  if (kind === undefined) throw new CliError(`the server doesn't have a resource type "${text}"`);
  return kind;
}

/** The client of one kind, for code that handles every kind alike. */
export function kindClient(api: ApiClient, kind: KindInfo): KindClient<ApiObject> {
  // lookupKind only returns registered kinds, whose names are KindName.
  return api.kind(kind.kind as KindName);
}
