// The `k8ts` command line: global flags, every command, and the one place failures are
// turned into messages and exit codes (never a stack trace).
import { Command, CommanderError } from "commander";
import { ManifestError, SelectorParseError } from "@k8ts/sdk";
import { ConfigFileError, ContextNotFoundError } from "./config/index.js";
import { CliError, CliFailure, ReportedFailure } from "./errors/cli-error.js";
import type { CliIo } from "./io.js";
import { registerApply } from "./commands/apply.js";
import { registerConfig } from "./commands/config.js";
import { registerConformance } from "./commands/conformance.js";
import { registerCreate } from "./commands/create.js";
import { registerDelete } from "./commands/delete.js";
import { registerDescribe } from "./commands/describe.js";
import { registerExec } from "./commands/exec.js";
import { registerExplain } from "./commands/explain.js";
import { registerGet } from "./commands/get.js";
import { registerLogs } from "./commands/logs.js";
import { registerPatch } from "./commands/patch.js";
import { registerRollout } from "./commands/rollout.js";
import { registerScale } from "./commands/scale.js";
import { registerSet } from "./commands/set.js";
import { registerVersion } from "./commands/version.js";

/** Adds a command that needs nothing but the program (e.g. `k8ts up`). */
export type Registration = (program: Command) => void;

export function createProgram(io: CliIo, extra: readonly Registration[] = []): Command {
  const program = new Command("k8ts");
  program
    .description("k8ts controls a k8ts cluster, with kubectl's habits.")
    .option("--server <host:port>", "address of the apiserver [$K8TS_SERVER]")
    .option("--token <token>", "bearer token for the apiserver [$K8TS_TOKEN]")
    .option("--context <name>", "context of the config file to use [$K8TS_CONFIG names the file]")
    .option("-n, --namespace <namespace>", "namespace of the request")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  registerApply(program, io);
  registerGet(program, io);
  registerDescribe(program, io);
  registerDelete(program, io);
  registerCreate(program, io);
  registerPatch(program, io);
  registerScale(program, io);
  registerRollout(program, io);
  registerSet(program, io);
  registerLogs(program, io);
  registerExec(program, io);
  registerExplain(program, io);
  registerVersion(program, io);
  registerConfig(program, io);
  registerConformance(program, io);
  for (const register of extra) register(program);
  return program;
}

function errorLines(e: unknown, env: CliIo["env"]): { lines: string[]; exitCode: number } {
  if (e instanceof ReportedFailure) return { lines: [], exitCode: e.exitCode };
  if (e instanceof CliFailure) return { lines: [...e.lines], exitCode: e.exitCode };
  if (e instanceof CliError) return { lines: [`error: ${e.message}`], exitCode: e.exitCode };
  if (e instanceof ManifestError) return { lines: `error: ${e.message}`.split("\n"), exitCode: 1 };
  if (
    e instanceof ConfigFileError ||
    e instanceof ContextNotFoundError ||
    e instanceof SelectorParseError
  )
    return { lines: [`error: ${e.message}`], exitCode: 1 };
  // A bug: say what happened; the stack only when asked for.
  const message = e instanceof Error ? e.message : String(e);
  const stack = env.K8TS_DEBUG !== undefined && e instanceof Error ? e.stack : undefined;
  return { lines: [`error: ${message}`, ...(stack === undefined ? [] : [stack])], exitCode: 1 };
}

/** Runs one command line; resolves with the exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  extra: readonly Registration[] = [],
): Promise<number> {
  const program = createProgram(io, extra);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (e) {
    // Commander has printed its own message (usage errors, --help).
    if (e instanceof CommanderError) return e.exitCode;
    const { lines, exitCode } = errorLines(e, io.env);
    for (const line of lines) io.stderr.write(`${line}\n`);
    return exitCode;
  }
}
