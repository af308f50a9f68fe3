// `k8ts exec POD [-c CONTAINER] [-i] [-t] -- COMMAND [ARGS...]`: runs a command in a
// container through the apiserver and the pod's kubelet. With -i, standard input goes to
// the command; with -t as well (and a terminal on stdin), the command runs in a terminal
// of this one's size, with the local terminal in raw mode meanwhile. Exits with the
// command's exit code, as kubectl does (saying "command terminated with exit code N").
import type { Command } from "commander";
import { CliError, ReportedFailure } from "../errors/cli-error.js";
import type { CliIo, Terminal } from "../io.js";
import { Session } from "../session.js";
import { runExec } from "../streams/exec-client.js";
import { PodStreams } from "../streams/pod-streams.js";
import { allContainerNames, chooseContainer, getPod, podNameOf } from "../streams/pod-target.js";
import { globalFlags } from "./command-options.js";

interface ExecOptions {
  container?: string;
  stdin?: boolean;
  tty?: boolean;
}

/** Exit status of a command line stopped by Ctrl-C (128 + SIGINT). */
const INTERRUPTED = 130;

/** How many of the command's operands came before `--` (all of them without one). */
function operandsBeforeDash(cmd: Command, operands: number): number {
  let root: Command = cmd;
  while (root.parent !== null) root = root.parent;
  // Commander keeps the command line it parsed, though its types do not say so.
  const raw = (root as unknown as { rawArgs?: unknown }).rawArgs;
  if (!Array.isArray(raw)) return operands;
  const dash = raw.indexOf("--");
  return dash < 0 ? operands : operands - (raw.length - dash - 1);
}

export function registerExec(program: Command, io: CliIo): void {
  program
    .command("exec")
    .description("Execute a command in a container")
    .argument("[pod]", "POD or pod/POD")
    .argument("[command...]", "the command and its arguments, after --")
    .option("-c, --container <name>", "the container (default: the pod's only or first one)")
    .option("-i, --stdin", "pass standard input to the command")
    .option("-t, --tty", "standard input is a terminal: run the command in one")
    .addHelpText(
      "after",
      `
Examples:
  k8ts exec web-7d4b9c-x2x7z -- date
  k8ts exec web-7d4b9c-x2x7z -c sidecar -- cat /etc/hosts
  k8ts exec -it pod/web-7d4b9c-x2x7z -- sh`,
    )
    .action(
      async (pod: string | undefined, command: string[], options: ExecOptions, cmd: Command) => {
        if (pod === undefined || pod === "")
          throw new CliError("pod, type/name or --filename must be specified");
        if (operandsBeforeDash(cmd, 1 + command.length) > 1)
          throw new CliError(
            "exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\nSee 'k8ts exec -h' for help and examples",
          );
        if (command.length === 0)
          throw new CliError("you must specify at least one command for the container");
        const name = podNameOf(pod, "exec into");
        // As kubectl: a terminal only for a command that reads stdin, from a terminal.
        let terminal: Terminal | undefined;
        if (options.tty === true && options.stdin === true) {
          terminal = io.terminal();
          if (terminal === undefined)
            io.stderr.write(
              "Unable to use a TTY - input is not a terminal or the right kind of file\n",
            );
        }
        const outcome = await Session.with(globalFlags(cmd), io, async (session) => {
          const found = await getPod(session, name);
          const container = chooseContainer(
            found,
            options.container,
            io.stderr,
            (c) =>
              `container ${c} is not valid for pod ${name} out of: ${allContainerNames(found)}`,
          );
          const phase = found.status?.phase ?? "";
          if (phase === "Succeeded" || phase === "Failed")
            throw new CliError(
              `cannot exec into a container in a completed pod; current phase is ${phase}`,
            );
          const streams = new PodStreams(session);
          try {
            return await runExec(
              streams,
              {
                namespace: session.namespace,
                name,
                container,
                command,
                stdin: options.stdin === true,
                terminal,
              },
              io,
              io.interrupted(),
            );
          } finally {
            streams.close();
          }
        });
        if (outcome.kind === "interrupted") throw new ReportedFailure(INTERRUPTED);
        if (outcome.kind === "error") throw new CliError(outcome.message);
        if (outcome.code !== 0) {
          io.stderr.write(`command terminated with exit code ${outcome.code}\n`);
          throw new ReportedFailure(outcome.code);
        }
      },
    );
}
