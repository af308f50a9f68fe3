// `k8ts describe KIND [NAME...]`: a readable account of objects and their Events.
import { ApiStatusError, parseLabelSelector } from "@k8ts/sdk";
import type { Command } from "commander";
import { describeObject } from "../describe/describe-object.js";
import { ReportedFailure } from "../errors/cli-error.js";
import type { CliIo } from "../io.js";
import { listAll } from "../kinds/list-all.js";
import { parseResourceArgs } from "../kinds/resource-args.js";
import { kindClient, type ApiObject } from "../kinds/resource-names.js";
import { Session } from "../session.js";
import { globalFlags } from "./command-options.js";

interface DescribeOptions {
  allNamespaces?: boolean;
  selector?: string;
}

export function registerDescribe(program: Command, io: CliIo): void {
  program
    .command("describe")
    .description("Show details of objects, with their Events")
    .argument("<resources...>", "KIND [NAME...] or KIND/NAME...")
    .option("-A, --all-namespaces", "describe matching objects of every namespace")
    .option("-l, --selector <selector>", "label selector")
    .addHelpText(
      "after",
      `
Examples:
  k8ts describe deploy blog -n blog
  k8ts describe pods -l app=blog -n blog
  k8ts describe node/node-1`,
    )
    .action(async (args: string[], options: DescribeOptions, cmd: Command) => {
      const requests = parseResourceArgs(args);
      if (options.selector !== undefined) parseLabelSelector(options.selector);
      await Session.with(globalFlags(cmd), io, async (session) => {
        const texts: string[] = [];
        const errors: string[] = [];
        for (const { kind, names } of requests) {
          const client = kindClient(session.api, kind);
          const namespace =
            kind.namespaced && options.allNamespaces !== true ? session.namespace : "";
          let objects: ApiObject[] = [];
          if (names.length === 0)
            objects = (await listAll(client, { namespace, labelSelector: options.selector ?? "" }))
              .items;
          for (const name of names) {
            try {
              objects.push(await client.get(name, { namespace }));
            } catch (e) {
              if (!(e instanceof ApiStatusError) || !e.isNotFound) throw e;
              errors.push(...session.failure(e, { subject: { kind, name } }).lines);
            }
          }
          for (const o of objects)
            texts.push(await describeObject(kind, o, { api: session.api, now: io.now() }));
        }
        io.stdout.write(texts.join("\n\n"));
        if (texts.length === 0 && errors.length === 0)
          io.stderr.write(
            requests.every((r) => r.kind.namespaced) && options.allNamespaces !== true
              ? `No resources found in ${session.namespace} namespace.\n`
              : "No resources found\n",
          );
        for (const line of errors) io.stderr.write(`${line}\n`);
        if (errors.length > 0) throw new ReportedFailure();
      });
    });
}
