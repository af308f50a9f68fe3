// `k8ts create namespace NAME` and `k8ts create -f FILE`: create objects that must not
// exist yet (AlreadyExists otherwise); unlike apply, no last-applied manifest is kept.
import { ApiStatusError, type KindInfo } from "@k8ts/sdk";
import { Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";
import type { Command } from "commander";
import { CliError, ReportedFailure } from "../errors/cli-error.js";
import type { CliIo } from "../io.js";
import { kindClient, objectRef, resolveKind, type ApiObject } from "../kinds/resource-names.js";
import { appliedManifest, typedObject } from "../manifests/apply-plan.js";
import type { DryRun } from "../manifests/apply-runner.js";
import { decodeSources, warningLines } from "../manifests/decode-sources.js";
import { readSources } from "../manifests/read-sources.js";
import { Session } from "../session.js";
import { collect, dryRunOf, dryRunOption, globalFlags } from "./command-options.js";

function suffix(dryRun: DryRun): string {
  return dryRun === "client" ? " (dry run)" : dryRun === "server" ? " (server dry run)" : "";
}

async function createOne(
  session: Session,
  kind: KindInfo,
  object: ApiObject,
  dryRun: DryRun,
  action?: string,
): Promise<boolean> {
  const name = object.metadata?.name ?? "";
  try {
    const created =
      dryRun === "client"
        ? object
        : await kindClient(session.api, kind).create(object, { dryRun: dryRun === "server" });
    session.io.stdout.write(
      `${objectRef(kind, created.metadata?.name ?? name)} created${suffix(dryRun)}\n`,
    );
    return true;
  } catch (e) {
    if (!(e instanceof ApiStatusError) || e.isUnavailable) throw e;
    const lines = session.failure(e, {
      subject: { kind, name },
      ...(action === undefined ? {} : { action }),
    }).lines;
    for (const line of lines) session.io.stderr.write(`${line}\n`);
    return false;
  }
}

interface CreateOptions {
  filename?: string[];
  recursive?: boolean;
  dryRun?: unknown;
}

export function registerCreate(program: Command, io: CliIo): void {
  const create = program
    .command("create")
    .description("Create objects from manifests (-f), or a namespace")
    .option("-f, --filename <path>", "a file, a directory, or - for stdin (repeatable)", collect)
    .option("-R, --recursive", "also read the subdirectories of -f directories")
    .addOption(dryRunOption())
    .addHelpText(
      "after",
      `
Examples:
  k8ts create namespace blog
  k8ts create -f pod.yaml`,
    )
    .action(async (options: CreateOptions, cmd: Command) => {
      if (cmd.args.length > 0)
        throw new CliError(`unknown object to create: "${cmd.args.join(" ")}" (try: namespace)`);
      const files = options.filename ?? [];
      if (files.length === 0)
        throw new CliError("must specify -f, or what to create (namespace NAME)");
      const objects = decodeSources(
        await readSources(files, io, { recursive: options.recursive === true }),
      );
      for (const line of warningLines(objects)) io.stderr.write(`${line}\n`);
      await Session.with(globalFlags(cmd), io, async (session) => {
        let ok = true;
        for (const o of objects) {
          const meta = o.object.metadata as { namespace?: unknown } | undefined;
          const given = typeof meta?.namespace === "string" ? meta.namespace : "";
          const manifest = appliedManifest(
            o.kind,
            o.object,
            given === "" ? session.namespace : given,
          );
          const object = typedObject(manifest) as ApiObject;
          ok =
            (await createOne(
              session,
              o.kind,
              object,
              dryRunOf(options.dryRun),
              `error when creating "${o.source}"`,
            )) && ok;
        }
        if (!ok) throw new ReportedFailure();
      });
    });

  create
    .command("namespace")
    .alias("ns")
    .description("Create a namespace")
    .argument("<name>", "name of the namespace")
    .addOption(dryRunOption())
    .action(async (name: string, _options: unknown, cmd: Command) => {
      // --dry-run may be parsed by `create` itself: read it with the parent's options.
      const dryRun = dryRunOf(cmd.optsWithGlobals<{ dryRun?: unknown }>().dryRun);
      await Session.with(globalFlags(cmd), io, async (session) => {
        const ns = Namespace.fromPartial({ metadata: { name } });
        if (!(await createOne(session, resolveKind("Namespace"), ns, dryRun)))
          throw new ReportedFailure();
      });
    });
}
