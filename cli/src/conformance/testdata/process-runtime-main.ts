#!/usr/bin/env node
// The test runtime as a plugin executable, so the suite's --plugin mode can be tested:
//   node process-runtime-main.js [--faults F,...] --node-name N --socket unix:///S --state-dir D
// State is in memory only, so it cannot adopt anything after a restart (the adoption
// check fails against it, as it should).
import { FlagError, HelpRequested, parseFlags, pluginFlags, unixSocketPath } from "@k8ts/sdk";
import { ProcessRuntime, RUNTIME_FAULTS, type RuntimeFault } from "./process-runtime.js";

const FLAGS = {
  ...pluginFlags("K8TS_TEST_RUNTIME"),
  faults: {
    kind: "list",
    default: [],
    description: `contract breaks to simulate: ${RUNTIME_FAULTS.join(", ")}`,
  },
} as const;

function isFault(name: string): name is RuntimeFault {
  return (RUNTIME_FAULTS as readonly string[]).includes(name);
}

try {
  const flags = parseFlags("process-runtime", "a test runtime/v1 plugin", FLAGS);
  const unknown = flags.faults.filter((f) => !isFault(f));
  if (unknown.length > 0) throw new FlagError(`--faults: unknown ${unknown.join(", ")}`);
  if (flags["node-name"] === "") throw new FlagError("--node-name is required");
  const runtime = new ProcessRuntime({
    nodeName: flags["node-name"],
    faults: flags.faults.filter(isFault),
  });
  await runtime.serve(unixSocketPath(flags.socket, "socket"));
  const stop = (): void => {
    void runtime.close().then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
} catch (e) {
  if (e instanceof HelpRequested) {
    process.stdout.write(`${e.text}\n`);
    process.exit(0);
  }
  process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(2);
}
