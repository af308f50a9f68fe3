// `k8ts patch KIND NAME -p PATCH`: a strategic merge (default, as kubectl), JSON merge
// or JSON patch applied by the server, which validates the result like a manifest.
import { readFile } from "node:fs/promises";
import { ApiStatusError, type PatchType } from "@k8ts/sdk";
import { InvalidArgumentError, Option, type Command } from "commander";
import { parse } from "yaml";
import { CliError } from "../errors/cli-error.js";
import type { CliIo } from "../io.js";
import { parseResourceArgs } from "../kinds/resource-args.js";
import { kindClient, objectRef } from "../kinds/resource-names.js";
import { Session } from "../session.js";
import { dryRunOf, dryRunOption, globalFlags } from "./command-options.js";

const PATCH_TYPES: Readonly<Record<string, PatchType>> = {
  strategic: "application/strategic-merge-patch+json",
  merge: "application/merge-patch+json",
  json: "application/json-patch+json",
};

interface PatchOptions {
  patch?: string;
  patchFile?: string;
  type?: PatchType;
  dryRun?: unknown;
}

/** The patch as JSON text; -p may be written in JSON or YAML, as kubectl accepts. */
function patchText(text: string, type: PatchType): string {
  let value: unknown;
  try {
    value = parse(text);
  } catch (e) {
    throw new CliError(`unable to parse the patch: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (
    type === "application/json-patch+json"
      ? !Array.isArray(value)
      : typeof value !== "object" || value === null || Array.isArray(value)
  )
    throw new CliError(
      type === "application/json-patch+json"
        ? 'a JSON patch is a list of operations, e.g. [{"op":"replace","path":"/spec/replicas","value":3}]'
        : 'a merge patch is an object, e.g. {"spec":{"replicas":3}}',
    );
  return JSON.stringify(value);
}

export function registerPatch(program: Command, io: CliIo): void {
  program
    .command("patch")
    .description("Change fields of one object in place")
    .argument("<resource...>", "KIND NAME or KIND/NAME")
    .option("-p, --patch <patch>", "the patch, in JSON or YAML")
    .option("--patch-file <path>", "read the patch from a file")
    .addOption(
      new Option("--type <type>", "strategic (default), merge or json").argParser(
        (value: string): PatchType => {
          const type = PATCH_TYPES[value];
          if (type === undefined)
            throw new InvalidArgumentError('must be "strategic", "merge" or "json"');
          return type;
        },
      ),
    )
    .addOption(dryRunOption())
    .addHelpText(
      "after",
      `
Examples:
  k8ts patch deploy blog -n blog -p '{"spec":{"replicas":3}}'
  k8ts patch deploy blog -n blog -p '{"spec":{"template":{"spec":{"containers":[{"name":"blog","image":"k8ts/blog:1.1"}]}}}}'
  k8ts patch svc blog -n blog --type merge -p '{"metadata":{"labels":{"tier":"web"}}}'
  k8ts patch deploy blog -n blog --type json -p '[{"op":"replace","path":"/spec/replicas","value":1}]'`,
    )
    .action(async (args: string[], options: PatchOptions, cmd: Command) => {
      const [request, ...others] = parseResourceArgs(args);
      if (request === undefined || others.length > 0 || request.names.length !== 1)
        throw new CliError("patch needs exactly one object: KIND NAME or KIND/NAME");
      const { kind } = request;
      const name = request.names[0] ?? "";
      if ((options.patch === undefined) === (options.patchFile === undefined))
        throw new CliError("give the patch with exactly one of -p and --patch-file");
      const type = options.type ?? "application/strategic-merge-patch+json";
      const text = patchText(
        options.patch ?? (await readFile(options.patchFile ?? "", "utf8")),
        type,
      );
      const dryRun = dryRunOf(options.dryRun);
      await Session.with(globalFlags(cmd), io, async (session) => {
        const client = kindClient(session.api, kind);
        const namespace = kind.namespaced ? session.namespace : "";
        const subject = { subject: { kind, name } };
        try {
          const before = await client.get(name, { namespace });
          if (dryRun === "client") {
            io.stdout.write(`${objectRef(kind, name)} patched (dry run)\n`);
            return;
          }
          const after = await client.patch(name, text, {
            namespace,
            type,
            dryRun: dryRun === "server",
          });
          const changed = after.metadata?.resourceVersion !== before.metadata?.resourceVersion;
          const note = dryRun === "server" ? " (server dry run)" : changed ? "" : " (no change)";
          io.stdout.write(`${objectRef(kind, name)} patched${note}\n`);
        } catch (e) {
          if (e instanceof ApiStatusError) throw session.failure(e, subject);
          throw e;
        }
      });
    });
}
