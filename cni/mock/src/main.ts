#!/usr/bin/env node
// k8ts-cni-mock: a network plugin (k8ts.network.v1) that only hands out addresses from the
// node's pod CIDR and touches nothing: no interfaces, routes or namespaces, so simulated
// nodes get pod IPs at no cost. Allocations are kept in --state-dir across restarts.
// Flags have environment equivalents (see --help). Reports readiness on --ready-fd and
// exits when that pipe closes; exits cleanly on SIGTERM/SIGINT.
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
import { NetworkServer } from "./network-server.js";

const FLAGS = {
  ...pluginFlags("K8TS_CNI_MOCK"),
  ...supervisionFlags("K8TS_CNI_MOCK_STATUS_LISTEN"),
} as const;

interface CniMockStatus extends ComponentStatus {
  readonly nodeName: string;
  readonly socket: string;
  readonly allocations: number;
}

async function main(): Promise<void> {
  let flags;
  let socketPath: string;
  try {
    flags = parseFlags(
      "k8ts-cni-mock",
      "Network plugin that hands out pod addresses and configures nothing: network/v1 on a unix socket, for one node.",
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
      process.stderr.write(`k8ts-cni-mock: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  const nodeName = flags["node-name"];
  const log = createLogger({ component: "cni-mock", level: flags["log-level"] }).child({
    node: nodeName,
  });
  const telemetry = await startTelemetry({ serviceName: "k8ts-cni-mock" });
  const server = await NetworkServer.start({
    nodeName,
    stateDir: flags["state-dir"],
    socketPath,
    logger: log,
  });

  let status: StatusServer<CniMockStatus> | undefined;
  let statusAddress: string | undefined;
  if (flags["status-listen"] !== "") {
    status = new StatusServer<CniMockStatus>(() => ({
      identity: nodeName,
      synced: true,
      leading: true,
      nodeName,
      socket: socketPath,
      allocations: server.allocator.size,
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
  process.stderr.write(`k8ts-cni-mock: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
