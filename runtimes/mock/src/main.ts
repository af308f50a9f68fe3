#!/usr/bin/env node
// k8ts-runtime-mock: a runtime plugin (k8ts.runtime.v1) whose containers are simulated:
// each runs its command as a tiny shell script in memory (echo, sleep, exit, trap, cat,
// while loops), with no processes, images or namespaces, so one machine can simulate
// hundreds of nodes. Its state (sandboxes, containers, logs, images) is kept in
// --state-dir: a restarted plugin adopts everything, and containers "keep running" while
// it is down. Flags have environment equivalents (see --help). Reports readiness on
// --ready-fd and exits when that pipe closes; exits cleanly on SIGTERM/SIGINT.
import {
  FlagError,
  HelpRequested,
  StatusServer,
  createLogger,
  openParentPipe,
  parseFlags,
  pluginFlags,
  startTelemetry,
  supervisionFlags,
  unixSocketPath,
  type ComponentStatus,
  type ParentPipe,
} from "@k8ts/sdk";
import { MockRuntime } from "./mock-runtime.js";
import { RuntimeServer } from "./runtime-server.js";

const FLAGS = {
  ...pluginFlags("K8TS_RUNTIME_MOCK"),
  "start-delay": {
    kind: "duration",
    default: "0s",
    env: "K8TS_RUNTIME_MOCK_START_DELAY",
    description: "how long StartContainer takes",
  },
  "pull-delay": {
    kind: "duration",
    default: "0s",
    env: "K8TS_RUNTIME_MOCK_PULL_DELAY",
    description: "how long PullImage takes",
  },
  "missing-images": {
    kind: "list",
    default: ["*does-not-exist*", "*.invalid/*"],
    env: "K8TS_RUNTIME_MOCK_MISSING_IMAGES",
    description:
      "comma-separated globs (* and ?) of image references that do not exist: PullImage fails with NOT_FOUND",
  },
  ...supervisionFlags("K8TS_RUNTIME_MOCK_STATUS_LISTEN"),
} as const;

interface MockRuntimeStatus extends ComponentStatus {
  readonly nodeName: string;
  readonly socket: string;
  readonly counts: ReturnType<MockRuntime["counts"]>;
}

async function main(): Promise<void> {
  let flags;
  let socketPath: string;
  try {
    flags = parseFlags(
      "k8ts-runtime-mock",
      "Runtime plugin with simulated containers: runtime/v1 on a unix socket, for one node.",
      FLAGS,
    );
    for (const name of ["node-name", "socket", "state-dir"] as const)
      if (flags[name] === "") throw new FlagError(`--${name} is required`);
    socketPath = unixSocketPath(flags.socket, "socket");
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(`${e.text}\n`);
      return;
    }
    if (e instanceof FlagError) {
      process.stderr.write(`k8ts-runtime-mock: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  const nodeName = flags["node-name"];
  const log = createLogger({ component: "runtime-mock", level: flags["log-level"] }).child({
    node: nodeName,
  });
  const telemetry = await startTelemetry({ serviceName: "k8ts-runtime-mock" });

  const runtime = await MockRuntime.open({
    nodeName,
    stateDir: flags["state-dir"],
    startDelayMs: flags["start-delay"],
    pullDelayMs: flags["pull-delay"],
    missingImages: flags["missing-images"],
    logger: log,
  });
  let server: RuntimeServer;
  try {
    server = await RuntimeServer.start(runtime, socketPath, log);
  } catch (e) {
    await runtime.close();
    throw e;
  }

  let status: StatusServer<MockRuntimeStatus> | undefined;
  let statusAddress: string | undefined;
  if (flags["status-listen"] !== "") {
    status = new StatusServer<MockRuntimeStatus>(() => ({
      identity: nodeName,
      synced: true,
      leading: true,
      nodeName,
      socket: socketPath,
      counts: runtime.counts(),
    }));
    statusAddress = await status.listen(flags["status-listen"]);
  }

  let pipe: ParentPipe | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (why: string): void => {
    stopping ??= (async () => {
      log.info({ why }, "shutting down");
      await server.stop();
      await status?.close();
      await telemetry.shutdown();
      log.info("stopped");
      pipe?.close();
    })().catch((err: unknown) => {
      log.error({ err }, "stopping failed");
      process.exitCode = 1;
      pipe?.close();
    });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  if (flags["ready-fd"] >= 0) {
    pipe = openParentPipe(flags["ready-fd"]);
    pipe.onParentGone(() => shutdown("supervisor went away"));
  }
  pipe?.ready({
    socket: socketPath,
    identity: nodeName,
    ...(statusAddress === undefined ? {} : { statusAddress }),
  });
  log.info({ socket: socketPath, statusAddress }, "serving");
}

main().catch((err: unknown) => {
  process.stderr.write(`k8ts-runtime-mock: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
