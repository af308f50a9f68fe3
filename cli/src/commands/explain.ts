// `k8ts explain KIND[.field.path]`: documentation of a kind or field from the proto comments.
import type { Command } from "commander";
import { explain } from "../explain/explain-schema.js";
import type { CliIo } from "../io.js";
import { resolveKind } from "../kinds/resource-names.js";

export function registerExplain(program: Command, io: CliIo): void {
  program
    .command("explain")
    .description("Document a kind and its fields, from the API's own comments")
    .argument("<resource>", "KIND or KIND.field.path, e.g. deployment.spec.replicas")
    .option("--recursive", "list every field below, with its type")
    .addHelpText(
      "after",
      `
Examples:
  k8ts explain pods
  k8ts explain deployment.spec.replicas
  k8ts explain svc.spec.ports --recursive`,
    )
    .action((resource: string, options: { recursive?: boolean }) => {
      const [kindName = "", ...path] = resource.split(".");
      io.stdout.write(explain(resolveKind(kindName), path, options.recursive === true));
    });
}
