#!/usr/bin/env node
// k8ts-scheduler: places unbound pods on nodes. Informers and the cache run in every
// process; only the holder of the Lease kube-system/k8ts-scheduler schedules, so a second
// process is a hot standby that takes over when the leader's Lease expires. Flags have
// environment equivalents (see --help). Exits cleanly on SIGTERM/SIGINT, and when the
// supervisor's pipe (--ready-fd) closes.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import {
  ApiClient,
  EventRecorder,
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
  type ParentPipe,
} from "@k8ts/sdk";
import { DEFAULT_SCHEDULER_NAME, Scheduler } from "./scheduler.js";
import { PhaseLatencies } from "./phase-latencies.js";
import type { SchedulerStatus } from "./scheduler-status.js";

export const LEASE_NAMESPACE = "kube-system";
export const LEASE_NAME = "k8ts-scheduler";

const FLAGS = {
  ...apiserverFlags(),
  "scheduler-name": {
    kind: "string",
    default: DEFAULT_SCHEDULER_NAME,
    env: "K8TS_SCHEDULER_NAME",
    description: "schedule only pods whose spec.schedulerName is this",
  },
  "pod-initial-backoff": {
    kind: "duration",
    default: "1s",
    env: "K8TS_POD_INITIAL_BACKOFF",
    description: "back-off of a pod after its first failed attempt (doubles per attempt)",
  },
  "pod-max-backoff": {
    kind: "duration",
    default: "10s",
    env: "K8TS_POD_MAX_BACKOFF",
    description: "longest back-off of a pod",
  },
  "pod-max-in-unschedulable": {
    kind: "duration",
    default: "5m",
    env: "K8TS_POD_MAX_IN_UNSCHEDULABLE",
    description: "unschedulable pods are retried after this long even if nothing changed",
  },
  "percentage-of-nodes-to-score": {
    kind: "int",
    default: 0,
    env: "K8TS_PERCENTAGE_OF_NODES_TO_SCORE",
    description:
      "share of the nodes (1-100) to find feasible before scoring, in clusters of 100+ nodes; 0 adapts it to the cluster size",
  },
  ...leaderElectionFlags(`${LEASE_NAMESPACE}/${LEASE_NAME}`, "schedule"),
  ...supervisionFlags("K8TS_SCHEDULER_STATUS_LISTEN"),
} as const;

async function main(): Promise<void> {
  let flags;
  let leaderElect: boolean;
  try {
    flags = parseFlags(
      "k8ts-scheduler",
      "Places unbound pods on nodes: filters, scores, binds; one leader at a time.",
      FLAGS,
    );
    leaderElect = parseBooleanFlag("leader-elect", flags["leader-elect"]);
    const pct = flags["percentage-of-nodes-to-score"];
    if (pct < 0 || pct > 100)
      throw new FlagError(`--percentage-of-nodes-to-score: ${pct} is not between 0 and 100`);
    if (
      flags["pod-initial-backoff"] <= 0 ||
      flags["pod-max-backoff"] < flags["pod-initial-backoff"]
    )
      throw new FlagError("--pod-max-backoff must be at least --pod-initial-backoff (> 0)");
    checkLeaderElectionTiming(flags);
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(`${e.text}\n`);
      return;
    }
    if (e instanceof FlagError) {
      process.stderr.write(`k8ts-scheduler: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  const log = createLogger({ component: "scheduler", level: flags["log-level"] });
  const telemetry = await startTelemetry({ serviceName: "k8ts-scheduler" });
  const identity = `${hostname()}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const client = new ApiClient({ server: flags.server, token: flags.token });
  const informers = new SharedInformerFactory(client, { logger: log });
  const recorder = new EventRecorder({
    client,
    component: "default-scheduler",
    reportingInstance: identity,
    logger: log,
  });
  const latencies = new PhaseLatencies();
  const scheduler = new Scheduler({
    client,
    informers,
    recorder,
    logger: log,
    schedulerName: flags["scheduler-name"],
    percentageOfNodesToScore: flags["percentage-of-nodes-to-score"],
    podInitialBackoffMs: flags["pod-initial-backoff"],
    podMaxBackoffMs: flags["pod-max-backoff"],
    podMaxInUnschedulableMs: flags["pod-max-in-unschedulable"],
    onScheduled: (record) => latencies.record(record),
  });

  let status: StatusServer<SchedulerStatus> | undefined;
  let statusAddress: string | undefined;
  if (flags["status-listen"] !== "") {
    status = new StatusServer<SchedulerStatus>(() => ({
      identity,
      synced: scheduler.synced(),
      leading: scheduler.active,
      nodes: scheduler.cache.nodes.map((n) => n.name).sort(),
      queue: scheduler.queue.counts(),
      metrics: { ...scheduler.metrics },
      latency: latencies.summary(),
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
  scheduler.start(stop.signal);
  log.info({ server: flags.server, identity }, "waiting for the informers to sync");
  if (await scheduler.waitForSync(stop.signal)) {
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
          work: (leading) => scheduler.run(leading),
        },
        stop.signal,
      );
    else await scheduler.run(stop.signal);
  }

  await informers.whenStopped();
  await status?.close();
  await recorder.shutdown();
  client.close();
  await telemetry.shutdown();
  log.info("stopped");
  pipe?.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`k8ts-scheduler: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
