// `k8ts set image KIND/NAME CONTAINER=IMAGE...`: changes container images of Pods, and of
// the pod templates of ReplicaSets and Deployments (which starts a rollout), with one
// strategic merge patch per object, as kubectl does.
import { ApiStatusError } from "@k8ts/sdk";
import type { Command } from "commander";
import { CliError } from "../errors/cli-error.js";
import type { CliIo } from "../io.js";
import { parseResourceArgs } from "../kinds/resource-args.js";
import { kindClient, objectRef } from "../kinds/resource-names.js";
import {
  hasPodSpec,
  imagePatch,
  notPodTemplate,
  parseImageArgs,
} from "../rollout/image-updates.js";
import { Session } from "../session.js";
import { globalFlags } from "./command-options.js";
import { eachObject } from "./each-object.js";

/** Attempts when the object changed between the read and the patch pinned to it. */
const ATTEMPTS = 5;

export function registerSet(program: Command, io: CliIo): void {
  const set = program.command("set").description("Set specific features of objects");
  set
    .command("image")
    .description("Set container images of Pods, ReplicaSets or Deployments")
    .argument("<args...>", "KIND/NAME... (or KIND NAME...) then CONTAINER=IMAGE...")
    .addHelpText(
      "after",
      `
Containers and init containers are matched by name; * sets every one of them.

Examples:
  k8ts set image deploy/blog blog=k8ts/blog:1.1 -n blog
  k8ts set image deployment blog blog=k8ts/blog:1.1 sidecar=envoy:1.30 -n blog
  k8ts set image deploy/blog '*=k8ts/blog:1.1' -n blog`,
    )
    .action(async (args: string[], _options: unknown, cmd: Command) => {
      const { resources, images } = parseImageArgs(args);
      const requests = parseResourceArgs(resources);
      for (const { kind, names } of requests) {
        if (!hasPodSpec(kind)) throw new CliError(notPodTemplate(kind, names[0] ?? ""));
        if (names.length === 0)
          throw new CliError("resource(s) were provided, but no name was specified");
      }
      await Session.with(globalFlags(cmd), io, async (session) => {
        for (const { kind, names } of requests) {
          const client = kindClient(session.api, kind);
          const namespace = session.namespace;
          await eachObject(session, kind, names, async (name) => {
            for (let attempt = 1; ; attempt++) {
              const object = await client.get(name, { namespace });
              const patch = imagePatch(kind, object, images);
              // Every image is already set: nothing to write, and kubectl prints nothing.
              if (patch === undefined) return;
              try {
                await client.patch(name, patch, {
                  namespace,
                  type: "application/strategic-merge-patch+json",
                });
              } catch (e) {
                if (e instanceof ApiStatusError && e.isConflict && attempt < ATTEMPTS) continue;
                throw e;
              }
              io.stdout.write(`${objectRef(kind, name)} image updated\n`);
              return;
            }
          });
        }
      });
    });
}
