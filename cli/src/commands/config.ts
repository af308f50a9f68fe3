// `k8ts config ...`: the contexts of the config file (~/.k8ts/config, or $K8TS_CONFIG).
import type { Command } from "commander";
import {
  configPath,
  deleteContext,
  findContext,
  loadConfig,
  saveConfig,
  setContext,
  useContext,
} from "../config/index.js";
import { CliError } from "../errors/cli-error.js";
import type { CliIo } from "../io.js";
import { TABLE_LAYOUT, alignCells } from "../printers/tab-writer.js";

interface SetContextOptions {
  server?: string;
  token?: string;
  namespace?: string;
}

export function registerConfig(program: Command, io: CliIo): void {
  const config = program
    .command("config")
    .description("Show and change the contexts of the config file")
    .addHelpText(
      "after",
      `
The config file is ~/.k8ts/config, or the file $K8TS_CONFIG names.

Examples:
  k8ts config set-context test --server 127.0.0.1:6443 --namespace blog
  k8ts config set-context prod --server 10.0.0.5:6443 --token s3cret
  k8ts config use-context prod
  k8ts config get-contexts`,
    );
  const path = (): string => configPath(io.env);

  config
    .command("get-contexts")
    .description("List the contexts; * marks the current one")
    .option("-o, --output <format>", 'only "name": one name per line')
    .action(async (options: { output?: string }) => {
      const c = await loadConfig(path());
      if (options.output === "name") {
        for (const ctx of c.contexts) io.stdout.write(`${ctx.name}\n`);
        return;
      }
      if (options.output !== undefined)
        throw new CliError(`output format "${options.output}" is not supported (use name)`);
      const rows = [
        ["CURRENT", "NAME", "SERVER", "NAMESPACE"],
        ...c.contexts.map((ctx) => [
          ctx.name === c.currentContext ? "*" : "",
          ctx.name,
          ctx.server,
          ctx.namespace ?? "",
        ]),
      ];
      io.stdout.write(
        alignCells(rows, TABLE_LAYOUT)
          .map((l) => `${l}\n`)
          .join(""),
      );
    });

  config
    .command("current-context")
    .description("Print the name of the current context")
    .action(async () => {
      const c = await loadConfig(path());
      if (c.currentContext === undefined) throw new CliError("current-context is not set");
      io.stdout.write(`${c.currentContext}\n`);
    });

  config
    .command("use-context")
    .description("Make a context the current one")
    .argument("<name>")
    .action(async (name: string) => {
      await saveConfig(useContext(await loadConfig(path()), name), path());
      io.stdout.write(`Switched to context "${name}".\n`);
    });

  config
    .command("set-context")
    .description("Add a context or change one (fields not given keep their value)")
    .argument("<name>")
    .option("--server <host:port>", "address of the apiserver (required for a new context)")
    .option("--token <token>", 'bearer token ("" removes it)')
    .option("--namespace <namespace>", 'default namespace ("" removes it)')
    .action(async (name: string, _options: unknown, cmd: Command) => {
      // --server, --token and --namespace are also the program's global flags, which
      // commander gives to the program wherever they appear: read them from there.
      const options = cmd.optsWithGlobals<SetContextOptions>();
      const c = await loadConfig(path());
      const existing = findContext(c, name);
      const server = options.server ?? existing?.server;
      if (server === undefined || server === "")
        throw new CliError(`context "${name}" is new: --server is required`);
      const settings = {
        server,
        ...(options.token === undefined ? {} : { token: options.token }),
        ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      };
      await saveConfig(setContext(c, name, settings), path());
      io.stdout.write(`Context "${name}" ${existing === undefined ? "created" : "modified"}.\n`);
    });

  config
    .command("delete-context")
    .description("Remove a context")
    .argument("<name>")
    .action(async (name: string) => {
      await saveConfig(deleteContext(await loadConfig(path()), name), path());
      io.stdout.write(`deleted context ${name} from ${path()}\n`);
    });
}
