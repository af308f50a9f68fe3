// `k8ts conformance runtime`: checks that a runtime plugin keeps the runtime/v1 contract,
// against a running plugin (--endpoint) or instances the suite starts itself (--plugin).
// One line per check as it finishes, a summary, exit 0 only if nothing failed.
import { FlagError, unixSocketPath } from "@k8ts/sdk";
import { Option, type Command } from "commander";
import {
  PluginCommandError,
  parsePluginCommand,
  type PluginCommand,
} from "../conformance/plugin-command.js";
import { exitCodeOf } from "../conformance/report.js";
import { headerText, resultText, summaryText } from "../conformance/report-text.js";
import {
  DEFAULT_IMAGE,
  DEFAULT_MISSING_IMAGE,
  RuntimeUnreachableError,
  runRuntimeConformance,
} from "../conformance/runtime/runtime-suite.js";
import { CliError, ReportedFailure } from "../errors/cli-error.js";
import type { CliIo } from "../io.js";
import { durationValue } from "./command-options.js";

interface RuntimeOptions {
  endpoint?: string;
  plugin?: string;
  image: string;
  missingImage: string;
  focus?: string;
  timeout: number;
  output: "text" | "json";
}

function focusOf(text: string | undefined): RegExp | undefined {
  if (text === undefined) return undefined;
  try {
    return new RegExp(text);
  } catch (e) {
    throw new CliError(`--focus: ${(e as Error).message}`);
  }
}

export function registerConformance(program: Command, io: CliIo): void {
  const conformance = program
    .command("conformance")
    .description("check that a plugin keeps its contract (see docs/conformance.md)");
  conformance
    .command("runtime")
    .description(
      "run the runtime/v1 conformance suite against a runtime plugin; exit 0 only if no check failed",
    )
    .option("--endpoint <unix:///path.sock>", "socket of a running runtime plugin")
    .option(
      "--plugin <command>",
      'start the plugin itself: "PATH [extra args]" (a .js PATH runs under node); enables the restart and two-node checks',
    )
    .option("--image <ref>", "image the containers run (busybox-compatible sh)", DEFAULT_IMAGE)
    .option("--missing-image <ref>", "an image that does not exist", DEFAULT_MISSING_IMAGE)
    .option("--focus <regex>", "run only the checks whose name matches")
    .addOption(
      new Option(
        "--timeout <duration>",
        "deadline of each check, and of a started plugin to answer",
      )
        .argParser(durationValue("--timeout"))
        .default(30_000, "30s"),
    )
    .addOption(
      new Option("-o, --output <format>", "text or json").choices(["text", "json"]).default("text"),
    )
    .action(async (options: RuntimeOptions) => {
      await conformanceRuntime(options, io);
    });
}

async function conformanceRuntime(options: RuntimeOptions, io: CliIo): Promise<void> {
  if (options.endpoint === undefined && options.plugin === undefined)
    throw new CliError("conformance runtime: --endpoint or --plugin is required");
  if (options.timeout <= 0) throw new CliError("--timeout must be more than 0");
  let plugin: PluginCommand | undefined;
  try {
    if (options.endpoint !== undefined) unixSocketPath(options.endpoint);
    plugin = options.plugin === undefined ? undefined : parsePluginCommand(options.plugin);
  } catch (e) {
    if (e instanceof FlagError) throw new CliError(e.message);
    if (e instanceof PluginCommandError) throw new CliError(`--plugin: ${e.message}`);
    throw e;
  }
  const focus = focusOf(options.focus);
  const text = options.output === "text";
  let report;
  try {
    report = await runRuntimeConformance({
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
      ...(plugin === undefined ? {} : { plugin, pluginText: options.plugin }),
      image: options.image,
      missingImage: options.missingImage,
      ...(focus === undefined ? {} : { focus }),
      timeoutMs: options.timeout,
      signal: io.interrupted(),
      ...(text
        ? {
            onStart: (runId, target) => io.stdout.write(headerText("runtime", runId, target)),
            onResult: (result) => io.stdout.write(resultText(result)),
          }
        : {}),
    });
  } catch (e) {
    if (e instanceof RuntimeUnreachableError) throw new CliError(e.message);
    throw e;
  }
  io.stdout.write(text ? summaryText(report) : `${JSON.stringify(report, null, 2)}\n`);
  const code = exitCodeOf(report);
  if (code !== 0) throw new ReportedFailure(code);
}
