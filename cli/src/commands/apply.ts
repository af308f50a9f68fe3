// `k8ts apply -f FILE|DIR|-`: create or update objects to match manifests.
import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { decodeSources } from "../manifests/decode-sources.js";
import { ApplyRunner } from "../manifests/apply-runner.js";
import { readSources } from "../manifests/read-sources.js";
import { Session } from "../session.js";
import { collect, dryRunOf, dryRunOption, globalFlags } from "./command-options.js";

interface ApplyOptions {
  filename?: string[];
  recursive?: boolean;
  dryRun?: unknown;
}

export function registerApply(program: Command, io: CliIo): void {
  program
    .command("apply")
    .description(
      "Apply manifests: create what does not exist, patch what changed (three-way merge " +
        "against the last applied manifest), leave the rest. Every document is decoded and " +
        "validated by the server before any is written.",
    )
    .option(
      "-f, --filename <path>",
      "a file, a directory of .yaml/.yml/.json files, or - for stdin (repeatable)",
      collect,
    )
    .option("-R, --recursive", "also read the subdirectories of -f directories")
    .addOption(dryRunOption())
    .addHelpText(
      "after",
      `
Examples:
  k8ts apply -f examples/blog.yaml
  k8ts apply -f manifests/ --dry-run=server
  k8ts get deploy web -o yaml | k8ts apply -f -`,
    )
    .action(async (options: ApplyOptions, cmd: Command) => {
      const sources = await readSources(options.filename ?? [], io, {
        recursive: options.recursive === true,
      });
      const objects = decodeSources(sources);
      await Session.with(globalFlags(cmd), io, (session) =>
        new ApplyRunner(session, dryRunOf(options.dryRun)).run(objects),
      );
    });
}
