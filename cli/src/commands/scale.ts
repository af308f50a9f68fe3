// `k8ts scale KIND NAME --replicas N`: sets spec.replicas of a Deployment or ReplicaSet
// with a merge patch, so nothing else of the object changes.
import { ApiStatusError } from "@k8ts/sdk";
import type { Command } from "commander";
import { CliError } from "../errors/cli-error.js";
import type { CliIo } from "../io.js";
import { parseResourceArgs } from "../kinds/resource-args.js";
import { kindClient, objectRef } from "../kinds/resource-names.js";
import { Session } from "../session.js";
import { globalFlags, nonNegativeInt } from "./command-options.js";

const SCALABLE = new Set(["Deployment", "ReplicaSet"]);

interface ScaleOptions {
  replicas: number;
  currentReplicas?: number;
}

export function registerScale(program: Command, io: CliIo): void {
  program
    .command("scale")
    .description("Set the number of replicas of a Deployment or ReplicaSet")
    .argument("<resource...>", "KIND NAME... or KIND/NAME...")
    .requiredOption("--replicas <n>", "the new number of replicas", nonNegativeInt("--replicas"))
    .option(
      "--current-replicas <n>",
      "only scale if the current number of replicas is this (a precondition)",
      nonNegativeInt("--current-replicas"),
    )
    .addHelpText(
      "after",
      `
Examples:
  k8ts scale deploy blog -n blog --replicas 3
  k8ts scale deploy/blog -n blog --replicas 0 --current-replicas 3`,
    )
    .action(async (args: string[], options: ScaleOptions, cmd: Command) => {
      const requests = parseResourceArgs(args);
      for (const { kind, names } of requests) {
        if (!SCALABLE.has(kind.kind))
          throw new CliError(`cannot scale ${kind.plural}: only deployments and replicasets`);
        if (names.length === 0) throw new CliError("scale needs the names of the objects");
      }
      await Session.with(globalFlags(cmd), io, async (session) => {
        for (const { kind, names } of requests) {
          const client = kindClient(session.api, kind);
          const namespace = session.namespace;
          for (const name of names) {
            try {
              const patch: Record<string, unknown> = { spec: { replicas: options.replicas } };
              if (options.currentReplicas !== undefined) {
                const current = await client.get(name, { namespace });
                const spec = (current as { spec?: { replicas?: number } }).spec;
                const replicas = spec?.replicas ?? 1;
                if (replicas !== options.currentReplicas)
                  throw new CliError(
                    `expected ${options.currentReplicas} replicas of ${objectRef(kind, name)}, found ${replicas}`,
                  );
                // The version pins the patch to the object we checked.
                patch.metadata = { resourceVersion: current.metadata?.resourceVersion ?? "" };
              }
              await client.patch(name, patch, { namespace, type: "application/merge-patch+json" });
              io.stdout.write(`${objectRef(kind, name)} scaled\n`);
            } catch (e) {
              if (e instanceof ApiStatusError)
                throw session.failure(e, { subject: { kind, name } });
              throw e;
            }
          }
        }
      });
    });
}
