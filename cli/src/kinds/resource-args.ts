// The resources a command line names, kubectl's ways: `pods`, `pods,svc`, `deploy web
// api` (names of one or more kinds), or `deploy/web svc/web` (TYPE/NAME pairs).
import type { KindInfo } from "@k8ts/sdk";
import { CliError } from "../errors/cli-error.js";
import { resolveKind } from "./resource-names.js";

export interface ResourceRequest {
  readonly kind: KindInfo;
  /** Empty: every object of the kind (subject to selectors). */
  readonly names: readonly string[];
}

export function parseResourceArgs(args: readonly string[]): ResourceRequest[] {
  const [first, ...rest] = args;
  if (first === undefined || first === "")
    throw new CliError("you must specify the type of resource (e.g. pods, deployments, svc)");
  if (first.includes("/")) {
    const byKind = new Map<KindInfo, string[]>();
    for (const arg of args) {
      const slash = arg.indexOf("/");
      if (slash <= 0 || slash === arg.length - 1)
        throw new CliError(
          `there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'k8ts get resource/<resource_name>' instead of 'k8ts get resource resource/<resource_name>'): "${arg}"`,
        );
      const kind = resolveKind(arg.slice(0, slash));
      const names = byKind.get(kind) ?? [];
      names.push(arg.slice(slash + 1));
      byKind.set(kind, names);
    }
    return [...byKind].map(([kind, names]) => ({ kind, names }));
  }
  for (const name of rest)
    if (name.includes("/"))
      throw new CliError(
        `arguments in resource/name form must have a single resource and name: "${name}"`,
      );
  const kinds = first.split(",").filter((k) => k !== "");
  const unique = [...new Set(kinds.map(resolveKind))];
  return unique.map((kind) => ({ kind, names: rest }));
}
