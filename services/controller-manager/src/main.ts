#!/usr/bin/env node
// k8ts-controller-manager: one process running the level-triggered controllers
// (ReplicaSet, Deployment, Endpoints, node lifecycle, pod GC, garbage collector,
// namespaces). Informers run in every process; only the holder of the Lease
// kube-system/k8ts-controller-manager runs the controllers, so a second process is a hot
// standby. Flags have environment equivalents (see --help). Exits cleanly on
// SIGTERM/SIGINT, and when the supervisor's pipe (--ready-fd) closes.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import {
  ApiClient,
  FlagError,
  HelpRequested,
  SharedInformerFactory,
  StatusServer,
  createLogger,
  leadWhileElected,
  openParentPipe,
  apiserverFlags,
  checkLeaderElectionTiming,
  leaderElectionFlags,
  parseBooleanFlag,
  supervisionFlags,
  parseFlags,
  startTelemetry,
  systemClock,
  type ParentPipe,
} from "@k8ts/sdk";
import type { ControllerOptions } from "./controller.js";
import { ControllerManager } from "./controller-manager.js";
import type { ControllerManagerStatus } from "./controller-manager-status.js";
import { UnknownControllerError, selectControllers } from "./controller-registry.js";

export const LEASE_NAMESPACE = "kube-system";
export const LEASE_NAME = "k8ts-controller-manager";

const FLAGS = {
  ...apiserverFlags(),
  controllers: {
    kind: "list",
    default: ["*"],
    env: "K8TS_CONTROLLERS",
    description:
      'controllers to run: "*" is all, "-name" leaves one out (replicaset, deployment, endpoint, nodelifecycle, podgc, garbagecollector, namespace)',
  },
  "concurrent-workers": {
    kind: "int",
    default: 5,
    env: "K8TS_CONCURRENT_WORKERS",
    description: "objects each controller reconciles at once",
  },
  "node-monitor-grace-period": {
    kind: "duration",
    default: "40s",
    env: "K8TS_NODE_MONITOR_GRACE_PERIOD",
    description:
      "a node whose Lease has not been renewed for this long becomes Ready=Unknown and gets the unreachable taint",
  },
  "node-monitor-period": {
    kind: "duration",
    default: "5s",
    env: "K8TS_NODE_MONITOR_PERIOD",
    description: "how often node lifecycle checks node Leases",
  },
  "node-startup-grace-period": {
    kind: "duration",
    default: "1m",
    env: "K8TS_NODE_STARTUP_GRACE_PERIOD",
    description: "how long a node that never renewed its Lease is given before it is unreachable",
  },
  "default-unreachable-toleration-seconds": {
    kind: "int",
    default: 300,
    env: "K8TS_DEFAULT_UNREACHABLE_TOLERATION_SECONDS",
    description:
      "seconds a pod without its own toleration stays on an unreachable or not-ready node before eviction",
  },
  "pod-gc-period": {
    kind: "duration",
    default: "20s",
    env: "K8TS_POD_GC_PERIOD",
    description: "how often pod GC removes pods of deleted nodes and stuck terminating pods",
  },
  ...leaderElectionFlags(`${LEASE_NAMESPACE}/${LEASE_NAME}`, "run the controllers"),
  ...supervisionFlags("K8TS_CONTROLLER_MANAGER_STATUS_LISTEN"),
} as const;

async function main(): Promise<void> {
  let flags;
  let leaderElect: boolean;
  let definitions;
  let options: ControllerOptions;
  try {
    flags = parseFlags(
      "k8ts-controller-manager",
      "Runs the controllers that keep the cluster as declared; one leader at a time.",
      FLAGS,
    );
    leaderElect = parseBooleanFlag("leader-elect", flags["leader-elect"]);
    definitions = selectControllers(flags.controllers);
    if (flags["concurrent-workers"] < 1)
      throw new FlagError(`--concurrent-workers: ${flags["concurrent-workers"]} is not at least 1`);
    if (flags["default-unreachable-toleration-seconds"] < 0)
      throw new FlagError("--default-unreachable-toleration-seconds must not be negative");
    for (const f of ["node-monitor-grace-period", "node-monitor-period", "pod-gc-period"] as const)
      if (flags[f] <= 0) throw new FlagError(`--${f} must be positive`);
    checkLeaderElectionTiming(flags);
    options = {
      concurrentWorkers: flags["concurrent-workers"],
      nodeMonitorGracePeriodMs: flags["node-monitor-grace-period"],
      nodeMonitorPeriodMs: flags["node-monitor-period"],
      nodeStartupGracePeriodMs: flags["node-startup-grace-period"],
      defaultUnreachableTolerationSeconds: flags["default-unreachable-toleration-seconds"],
      podGcPeriodMs: flags["pod-gc-period"],
    };
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(`${e.text}\n`);
      return;
    }
    if (e instanceof FlagError || e instanceof UnknownControllerError) {
      process.stderr.write(`k8ts-controller-manager: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  const log = createLogger({ component: "controller-manager", level: flags["log-level"] });
  const telemetry = await startTelemetry({ serviceName: "k8ts-controller-manager" });
  const identity = `${hostname()}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const client = new ApiClient({ server: flags.server, token: flags.token });
  const informers = new SharedInformerFactory(client, { logger: log });
  const manager = new ControllerManager({
    client,
    informers,
    logger: log,
    definitions,
    options,
    clock: systemClock,
    identity,
  });
  let leading = !leaderElect;

  let status: StatusServer<ControllerManagerStatus> | undefined;
  let statusAddress: string | undefined;
  if (flags["status-listen"] !== "") {
    status = new StatusServer<ControllerManagerStatus>(() => ({
      identity,
      synced: manager.synced(),
      leading,
      enabled: manager.names,
      ...manager.status(),
    }));
    try {
      statusAddress = await status.listen(flags["status-listen"]);
    } catch (e) {
      client.close();
      throw e;
    }
    log.info({ address: statusAddress }, "status endpoint listening");
  }

  const stop = new AbortController();
  let pipe: ParentPipe | undefined;
  const shutdown = (why: string): void => {
    if (stop.signal.aborted) return;
    log.info({ why }, "shutting down");
    stop.abort();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  if (flags["ready-fd"] >= 0) {
    pipe = openParentPipe(flags["ready-fd"]);
    pipe.onParentGone(() => shutdown("supervisor went away"));
  }

  informers.start(stop.signal);
  log.info({ server: flags.server, identity, controllers: manager.names }, "waiting for sync");
  if (await manager.waitForSync(stop.signal)) {
    pipe?.ready({ identity, ...(statusAddress === undefined ? {} : { statusAddress }) });
    log.info({ identity, leaderElect }, "ready");
    if (leaderElect)
      await leadWhileElected(
        {
          client,
          namespace: LEASE_NAMESPACE,
          name: LEASE_NAME,
          identity,
          leaseDurationMs: flags["lease-duration"],
          renewDeadlineMs: flags["renew-deadline"],
          retryPeriodMs: flags["retry-period"],
          logger: log,
          work: async (term) => {
            leading = true;
            try {
              await manager.run(term);
            } finally {
              leading = false;
            }
          },
        },
        stop.signal,
      );
    else await manager.run(stop.signal);
  }

  await informers.whenStopped();
  await status?.close();
  client.close();
  await telemetry.shutdown();
  log.info("stopped");
  pipe?.close();
}

main().catch((err: unknown) => {
  process.stderr.write(
    `k8ts-controller-manager: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exitCode = 1;
});
