// `k8ts rollout status|history|undo|pause|resume|restart deploy/NAME`: kubectl's rollout
// commands, for Deployments (the only kind with rollouts here).
import { ApiStatusError, labelSelectorMatcher, type KindInfo } from "@k8ts/sdk";
import type { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { Option, type Command } from "commander";
import { CliError } from "../errors/cli-error.js";
import type { CliIo } from "../io.js";
import { listAll } from "../kinds/list-all.js";
import { parseResourceArgs } from "../kinds/resource-args.js";
import { groupOf, objectRef, pluralRef } from "../kinds/resource-names.js";
import { pausePatch, restartPatch, resumePatch } from "../rollout/deployment-patches.js";
import {
  controlledReplicaSets,
  historyTable,
  revisionTemplateText,
  revisions,
  type Revision,
} from "../rollout/replica-set-history.js";
import { rollbackPatch, rollbackRevision, sameTemplate } from "../rollout/rollback.js";
import { rolloutStatus } from "../rollout/status-watch.js";
import { Session } from "../session.js";
import { eachObject } from "./each-object.js";
import { booleanValue, durationValue, globalFlags, nonNegativeInt } from "./command-options.js";

/** Attempts of an undo whose version test failed (the controller writes status often). */
const UNDO_ATTEMPTS = 5;

/** "ReplicaSet.apps", "Service": a kind as kubectl's errors name a GroupKind. */
function groupKind(kind: KindInfo): string {
  const group = groupOf(kind);
  return group === "" ? kind.kind : `${kind.kind}.${group}`;
}

/**
 * The Deployment names of a rollout command line (`deploy/a deploy/b`, `deployment a b`);
 * another kind is refused with `unsupported`'s words before anything is sent.
 */
function deploymentNames(
  args: readonly string[],
  unsupported: (kind: KindInfo, name: string) => string,
): string[] {
  if (args.length === 0) throw new CliError("required resource not specified");
  const names: string[] = [];
  for (const { kind, names: given } of parseResourceArgs(args)) {
    if (kind.kind !== "Deployment") throw new CliError(unsupported(kind, given[0] ?? ""));
    if (given.length === 0)
      throw new CliError("resource(s) were provided, but no name was specified");
    names.push(...given);
  }
  return names;
}

/** The revisions of a Deployment: its controlled ReplicaSets with a revision. */
async function history(session: Session, d: Deployment): Promise<Revision[]> {
  if (d.spec?.selector === undefined) return [];
  const { items } = await listAll(session.api.kind("ReplicaSet"), {
    namespace: d.metadata?.namespace ?? session.namespace,
    labelSelector: labelSelectorMatcher(d.spec?.selector).toString(),
  });
  return revisions(controlledReplicaSets(d, items));
}

interface StatusCommandOptions {
  watch?: boolean;
  revision?: number;
  timeout?: { ms: number; text: string };
}

/** --timeout, keeping the text as typed for the message. */
function timeoutValue(value: string): { ms: number; text: string } {
  return { ms: durationValue("--timeout")(value), text: value };
}

function registerStatus(rollout: Command, io: CliIo): void {
  rollout
    .command("status")
    .description("Show the status of the rollout, waiting until it is done")
    .argument("<resource...>", "deploy/NAME or deployment NAME")
    .addOption(
      new Option("-w, --watch [bool]", "watch the status of the rollout until it's done")
        .argParser(booleanValue("--watch"))
        .default(true),
    )
    .option(
      "--revision <n>",
      "pin to a specific revision: fail if the Deployment is at another one (0: the latest)",
      nonNegativeInt("--revision"),
    )
    .option(
      "--timeout <duration>",
      "how long to wait before giving up (e.g. 30s, 5m); 0 (default) waits forever",
      timeoutValue,
    )
    .addHelpText(
      "after",
      `
Examples:
  k8ts rollout status deploy/blog -n blog
  k8ts rollout status deploy/blog -n blog --timeout 2m
  k8ts rollout status deploy/blog -n blog --watch=false`,
    )
    .action(async (args: string[], options: StatusCommandOptions, cmd: Command) => {
      const names = deploymentNames(
        args,
        (kind) => `no status viewer has been implemented for ${groupKind(kind)}`,
      );
      const [name] = names;
      if (name === undefined || names.length > 1)
        throw new CliError(
          `rollout status is only supported on individual resources and resource collections - ${names.length} resources were found`,
        );
      await Session.with(globalFlags(cmd), io, async (session) => {
        const kind = session.api.kind("Deployment").info;
        try {
          await rolloutStatus(session, {
            name,
            namespace: session.namespace,
            watch: options.watch !== false,
            revision: options.revision ?? 0,
            timeoutMs: options.timeout?.ms ?? 0,
            timeoutText: options.timeout?.text ?? "",
          });
        } catch (e) {
          if (e instanceof ApiStatusError) throw session.failure(e, { subject: { kind, name } });
          throw e;
        }
      });
    });
}

function registerHistory(rollout: Command, io: CliIo): void {
  rollout
    .command("history")
    .description("Show the revisions of a Deployment, or the pod template of one")
    .argument("<resource...>", "deploy/NAME... or deployment NAME...")
    .option(
      "--revision <n>",
      "show the pod template of this revision",
      nonNegativeInt("--revision"),
    )
    .addHelpText(
      "after",
      `
Examples:
  k8ts rollout history deploy/blog -n blog
  k8ts rollout history deploy/blog -n blog --revision 2`,
    )
    .action(async (args: string[], options: { revision?: number }, cmd: Command) => {
      const names = deploymentNames(
        args,
        (kind) => `no history viewer has been implemented for "${groupKind(kind)}"`,
      );
      const revision = options.revision ?? 0;
      await Session.with(globalFlags(cmd), io, async (session) => {
        const client = session.api.kind("Deployment");
        const kind = client.info;
        await eachObject(session, kind, names, async (name) => {
          const d = await client.get(name, { namespace: session.namespace });
          const entries = await history(session, d);
          if (revision > 0) {
            const entry = entries.find((r) => r.revision === revision);
            if (entry === undefined) throw new CliError("unable to find the specified revision");
            io.stdout.write(
              `${objectRef(kind, name)} with revision #${revision}\n${revisionTemplateText(entry)}`,
            );
            return;
          }
          io.stdout.write(
            `${objectRef(kind, name)}\n${entries.length === 0 ? "No rollout history found.\n" : historyTable(entries)}`,
          );
        });
      });
    });
}

function registerUndo(rollout: Command, io: CliIo): void {
  rollout
    .command("undo")
    .description("Roll a Deployment back to a previous revision")
    .argument("<resource...>", "deploy/NAME... or deployment NAME...")
    .option(
      "--to-revision <n>",
      "the revision to roll back to (default 0: the previous one)",
      nonNegativeInt("--to-revision"),
    )
    .addHelpText(
      "after",
      `
Examples:
  k8ts rollout undo deploy/blog -n blog
  k8ts rollout undo deploy/blog -n blog --to-revision 1`,
    )
    .action(async (args: string[], options: { toRevision?: number }, cmd: Command) => {
      const names = deploymentNames(
        args,
        (kind) => `no rollbacker has been implemented for "${groupKind(kind)}"`,
      );
      const toRevision = options.toRevision ?? 0;
      await Session.with(globalFlags(cmd), io, async (session) => {
        const client = session.api.kind("Deployment");
        const kind = client.info;
        const namespace = session.namespace;
        await eachObject(session, kind, names, async (name) => {
          for (let attempt = 1; ; attempt++) {
            const d = await client.get(name, { namespace });
            const target = rollbackRevision(name, await history(session, d), toRevision);
            if (d.spec?.paused === true)
              throw new CliError(
                `you cannot rollback a paused deployment; resume it first with 'k8ts rollout resume deploy/${name}' and try again`,
              );
            if (sameTemplate(target.replicaSet.spec?.template, d.spec?.template)) {
              io.stdout.write(
                `${objectRef(kind, name)} skipped rollback (current template already matches revision ${target.revision})\n`,
              );
              return;
            }
            try {
              await client.patch(name, rollbackPatch(d, target.replicaSet), {
                namespace,
                type: "application/json-patch+json",
              });
            } catch (e) {
              // The Deployment changed since it was read (often only its status): decide again.
              if (e instanceof ApiStatusError && e.isConflict && attempt < UNDO_ATTEMPTS) continue;
              throw e;
            }
            io.stdout.write(`${objectRef(kind, name)} rolled back\n`);
            return;
          }
        });
      });
    });
}

/** pause, resume and restart: read, decide the merge patch (or refuse), patch. */
function registerPatchCommand(
  rollout: Command,
  io: CliIo,
  spec: {
    readonly verb: "pause" | "resume" | "restart";
    readonly description: string;
    readonly done: string;
    readonly unsupported: string;
    readonly patch: (kind: KindInfo, d: Deployment, now: Date) => Record<string, unknown>;
  },
): void {
  rollout
    .command(spec.verb)
    .description(spec.description)
    .argument("<resource...>", "deploy/NAME... or deployment NAME...")
    .addHelpText(
      "after",
      `
Examples:
  k8ts rollout ${spec.verb} deploy/blog -n blog`,
    )
    .action(async (args: string[], _options: unknown, cmd: Command) => {
      const names = deploymentNames(
        args,
        (kind, name) => `${pluralRef(kind)} "${name}" ${spec.unsupported}`,
      );
      await Session.with(globalFlags(cmd), io, async (session) => {
        const client = session.api.kind("Deployment");
        const kind = client.info;
        const namespace = session.namespace;
        await eachObject(session, kind, names, async (name) => {
          const d = await client.get(name, { namespace });
          const patch = spec.patch(kind, d, io.now());
          await client.patch(name, patch, { namespace, type: "application/merge-patch+json" });
          io.stdout.write(`${objectRef(kind, name)} ${spec.done}\n`);
        });
      });
    });
}

export function registerRollout(program: Command, io: CliIo): void {
  const rollout = program
    .command("rollout")
    .description(
      "Manage the rollout of a Deployment: status, history, undo, pause, resume, restart",
    )
    .addHelpText(
      "after",
      `
Examples:
  k8ts rollout status deploy/blog -n blog
  k8ts rollout history deploy/blog -n blog
  k8ts rollout undo deploy/blog -n blog --to-revision 1
  k8ts rollout restart deploy/blog -n blog`,
    );
  registerStatus(rollout, io);
  registerHistory(rollout, io);
  registerUndo(rollout, io);
  registerPatchCommand(rollout, io, {
    verb: "pause",
    description: "Pause a Deployment: changes to its template are not rolled out until resumed",
    done: "paused",
    unsupported: "pausing is not supported",
    patch: pausePatch,
  });
  registerPatchCommand(rollout, io, {
    verb: "resume",
    description: "Resume a paused Deployment",
    done: "resumed",
    unsupported: "resuming is not supported",
    patch: resumePatch,
  });
  registerPatchCommand(rollout, io, {
    verb: "restart",
    description: "Replace every pod of a Deployment, by a rolling update",
    done: "restarted",
    unsupported: "restarting is not supported",
    patch: restartPatch,
  });
}
