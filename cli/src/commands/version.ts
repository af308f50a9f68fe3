// `k8ts version`: this client's version and whether the server answers. The apiserver
// does not report a version of its own, so none is made up.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { Session } from "../session.js";
import { globalFlags } from "./command-options.js";

/** The version in cli/package.json. */
export function clientVersion(): string {
  const pkg: unknown = JSON.parse(
    readFileSync(new URL("../../package.json", import.meta.url), "utf8"),
  );
  const version =
    typeof pkg === "object" && pkg !== null && "version" in pkg ? pkg.version : undefined;
  return typeof version === "string" ? version : "unknown";
}

export function registerVersion(program: Command, io: CliIo): void {
  program
    .command("version")
    .description("Print the client version, and whether the server answers")
    .option("--client", "only the client version (no connection)")
    .action(async (options: { client?: boolean }, cmd: Command) => {
      io.stdout.write(`Client Version: v${clientVersion()}\n`);
      if (options.client === true) return;
      await Session.with(globalFlags(cmd), io, async (session) => {
        // The cheapest authenticated call there is: one namespace.
        await session.api.kind("Namespace").list({ limit: 1 });
        io.stdout.write(
          `Server: ${session.connection.server} (reachable; the apiserver does not report a version)\n`,
        );
      });
    });
}
