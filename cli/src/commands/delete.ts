// `k8ts delete KIND NAME... | -f FILE`: deletes objects, with kubectl's grace period,
// cascade and dry-run options.
import { ApiStatusError, parseLabelSelector, type KindInfo } from "@k8ts/sdk";
import type { DeleteOptions } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import { InvalidArgumentError, Option, type Command } from "commander";
import { CliError, ReportedFailure } from "../errors/cli-error.js";
import type { CliIo } from "../io.js";
import { listAll } from "../kinds/list-all.js";
import { parseResourceArgs } from "../kinds/resource-args.js";
import { kindClient, singularRef } from "../kinds/resource-names.js";
import { decodeSources } from "../manifests/decode-sources.js";
import { readSources } from "../manifests/read-sources.js";
import type { DryRun } from "../manifests/apply-runner.js";
import { Session } from "../session.js";
import { collect, dryRunOf, dryRunOption, globalFlags } from "./command-options.js";

type Cascade = "Background" | "Foreground" | "Orphan";

interface DeleteCommandOptions {
  filename?: string[];
  recursive?: boolean;
  selector?: string;
  all?: boolean;
  allNamespaces?: boolean;
  gracePeriod?: number;
  now?: boolean;
  cascade?: Cascade | true;
  ignoreNotFound?: boolean;
  dryRun?: unknown;
}

interface Target {
  readonly kind: KindInfo;
  readonly name: string;
  readonly namespace: string;
}

function cascadeOption(): Option {
  return new Option(
    "--cascade [strategy]",
    'what happens to dependents: "background" (default: deleted after), "foreground" ' +
      '(deleted first) or "orphan" (kept)',
  ).argParser((value: string): Cascade => {
    switch (value) {
      case "background":
      case "true":
        return "Background";
      case "foreground":
        return "Foreground";
      case "orphan":
      case "false":
        return "Orphan";
      default:
        throw new InvalidArgumentError('must be "background", "foreground" or "orphan"');
    }
  });
}

function gracePeriod(value: string): number {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError("must be an integer");
  return Number(value);
}

export function registerDelete(program: Command, io: CliIo): void {
  program
    .command("delete")
    .description("Delete objects by kind and name, by selector, or as named in manifests")
    .argument("[resources...]", "KIND NAME..., KIND/NAME..., or KIND with -l / --all")
    .option("-f, --filename <path>", "delete the objects of these manifests (repeatable)", collect)
    .option("-R, --recursive", "also read the subdirectories of -f directories")
    .option("-l, --selector <selector>", "delete the objects matching a label selector")
    .option("--all", "delete every object of the kind in the namespace")
    .option("-A, --all-namespaces", "with -l or --all: in every namespace")
    .option(
      "--grace-period <seconds>",
      "seconds a Pod may take to stop; -1 (default) uses the Pod's own, 0 stops it at once",
      gracePeriod,
    )
    .option("--now", "stop at once (--grace-period=1)")
    .addOption(cascadeOption())
    .option("--ignore-not-found", "treat a missing object as deleted")
    .addOption(dryRunOption())
    .addHelpText(
      "after",
      `
Examples:
  k8ts delete deploy blog -n blog
  k8ts delete -f examples/blog.yaml
  k8ts delete pods -l app=blog -n blog --grace-period=0
  k8ts delete deploy blog -n blog --cascade=orphan`,
    )
    .action(async (args: string[], options: DeleteCommandOptions, cmd: Command) => {
      const fromFiles = (options.filename ?? []).length > 0;
      if (fromFiles && args.length > 0) throw new CliError("give either -f or resources, not both");
      if (!fromFiles && args.length === 0)
        throw new CliError("you must specify the type of resource to delete, or -f");
      if (options.selector !== undefined) parseLabelSelector(options.selector);
      const objects = fromFiles
        ? decodeSources(
            await readSources(options.filename ?? [], io, {
              recursive: options.recursive === true,
            }),
          )
        : [];
      await Session.with(globalFlags(cmd), io, async (session) => {
        const targets: Target[] = [];
        for (const o of objects) {
          const meta = o.object.metadata as { name?: unknown; namespace?: unknown } | undefined;
          const name = typeof meta?.name === "string" ? meta.name : "";
          const given = typeof meta?.namespace === "string" ? meta.namespace : "";
          const namespace = o.kind.namespaced ? (given === "" ? session.namespace : given) : "";
          targets.push({ kind: o.kind, name, namespace });
        }
        if (!fromFiles) targets.push(...(await targetsOf(session, args, options)));
        await deleteTargets(session, targets, options);
      });
    });
}

async function targetsOf(
  session: Session,
  args: readonly string[],
  options: DeleteCommandOptions,
): Promise<Target[]> {
  const targets: Target[] = [];
  const bulk = options.selector !== undefined || options.all === true;
  for (const { kind, names } of parseResourceArgs(args)) {
    const namespace =
      kind.namespaced && !(bulk && options.allNamespaces === true) ? session.namespace : "";
    if (names.length > 0) {
      if (bulk) throw new CliError("name cannot be provided when a selector or --all is specified");
      for (const name of names) targets.push({ kind, name, namespace });
      continue;
    }
    if (!bulk)
      throw new CliError(
        `resource(s) were provided, but no name was specified: give a name, -l or --all`,
      );
    const { items } = await listAll(kindClient(session.api, kind), {
      namespace,
      labelSelector: options.selector ?? "",
    });
    for (const o of items)
      targets.push({ kind, name: o.metadata?.name ?? "", namespace: o.metadata?.namespace ?? "" });
  }
  return targets;
}

async function deleteTargets(
  session: Session,
  targets: readonly Target[],
  options: DeleteCommandOptions,
): Promise<void> {
  const { io } = session;
  const dryRun: DryRun = dryRunOf(options.dryRun);
  const deleteOptions: Partial<DeleteOptions> = {};
  const grace = options.now === true ? 1 : options.gracePeriod;
  if (grace !== undefined && grace >= 0) deleteOptions.gracePeriodSeconds = grace;
  const cascade = options.cascade === true ? "Background" : options.cascade;
  if (cascade !== undefined) deleteOptions.propagationPolicy = cascade;
  const suffix =
    dryRun === "client" ? " (dry run)" : dryRun === "server" ? " (server dry run)" : "";
  let failed = false;
  if (targets.length === 0) {
    io.stderr.write("No resources found\n");
    return;
  }
  for (const t of targets) {
    const client = kindClient(session.api, t.kind);
    try {
      if (dryRun === "client") await client.get(t.name, { namespace: t.namespace });
      else
        await client.delete(t.name, {
          namespace: t.namespace,
          options: deleteOptions,
          dryRun: dryRun === "server",
        });
      io.stdout.write(`${singularRef(t.kind)} "${t.name}" deleted${suffix}\n`);
    } catch (e) {
      if (!(e instanceof ApiStatusError)) throw e;
      if (e.isNotFound && options.ignoreNotFound === true) continue;
      if (e.isUnavailable) throw session.failure(e);
      failed = true;
      for (const line of session.failure(e, { subject: { kind: t.kind, name: t.name } }).lines)
        io.stderr.write(`${line}\n`);
    }
  }
  if (failed) throw new ReportedFailure();
}
