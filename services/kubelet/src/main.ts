#!/usr/bin/env node
// k8ts-kubelet: the node agent. Registers its Node, renews its Lease, runs the pods bound
// to it through a runtime plugin (--runtime-endpoint) and a network plugin
// (--network-endpoint), probes them, reports their status, and serves their logs and exec
// sessions to the apiserver. SIGTERM stops the kubelet, never its pods: the runtime keeps
// them running, and the next kubelet adopts them. Flags have environment equivalents.
import { hostname } from "node:os";
import {
  ApiClient,
  EventRecorder,
  FlagError,
  HelpRequested,
  NetworkClient,
  RuntimeClient,
  SharedInformerFactory,
  StatusServer,
  apiserverFlags,
  createLogger,
  openParentPipe,
  parseFlags,
  parseQuantity,
  referenceTo,
  startTelemetry,
  supervisionFlags,
  unixSocketPath,
  type Logger,
  type ParentPipe,
} from "@k8ts/sdk";
import { Kubelet } from "./kubelet.js";
import { NodeStatusManager, hostCapacity, type NodeCapacity } from "./node-status.js";
import { ProbeManager } from "./prober/probe-manager.js";
import { readTokenFile } from "./server/client-tokens.js";
import { KubeletServer } from "./server/kubelet-server.js";

const FLAGS = {
  ...apiserverFlags(),
  "node-name": {
    kind: "string",
    default: "",
    env: "K8TS_NODE_NAME",
    description: "name of this node (default: the host name)",
  },
  "node-ip": {
    kind: "string",
    default: "127.0.0.1",
    env: "K8TS_NODE_IP",
    description: "the node's InternalIP: where the apiserver reaches the kubelet, the pods' hostIP",
  },
  "node-labels": {
    kind: "list",
    default: [],
    env: "K8TS_NODE_LABELS",
    description: "labels to add to the Node, KEY=VALUE (comma-separated or repeated)",
  },
  "runtime-endpoint": {
    kind: "string",
    default: "",
    env: "K8TS_RUNTIME_ENDPOINT",
    description: "unix socket of the runtime plugin, unix:///PATH (required)",
  },
  "network-endpoint": {
    kind: "string",
    default: "",
    env: "K8TS_NETWORK_ENDPOINT",
    description: "unix socket of the network plugin, unix:///PATH (none: pods get no IP)",
  },
  "pod-cidr": {
    kind: "string",
    default: "",
    env: "K8TS_POD_CIDR",
    description: "pod CIDR to set on the Node when it has none (e.g. 10.244.1.0/24)",
  },
  listen: {
    kind: "string",
    default: "0.0.0.0:10250",
    env: "K8TS_KUBELET_LISTEN",
    description: "host:port of the kubelet API (logs, exec); port 0 picks a free port",
  },
  "client-token-file": {
    kind: "string",
    default: "",
    env: "K8TS_KUBELET_CLIENT_TOKEN_FILE",
    description: "tokens (one per line) the kubelet API accepts; unset: no authentication",
  },
  cpu: {
    kind: "string",
    default: "",
    env: "K8TS_NODE_CPU",
    description: "CPU capacity to report (default: the host's CPUs)",
  },
  memory: {
    kind: "string",
    default: "",
    env: "K8TS_NODE_MEMORY",
    description: "memory capacity to report (default: the host's memory)",
  },
  "max-pods": {
    kind: "int",
    default: 110,
    env: "K8TS_MAX_PODS",
    description: "pods this node accepts",
  },
  "node-lease-duration": {
    kind: "duration",
    default: "40s",
    env: "K8TS_NODE_LEASE_DURATION",
    description: "leaseDurationSeconds of the node's Lease",
  },
  "node-lease-renew-interval": {
    kind: "duration",
    default: "10s",
    env: "K8TS_NODE_LEASE_RENEW_INTERVAL",
    description: "how often the node's Lease is renewed (the heartbeat)",
  },
  "node-status-update-frequency": {
    kind: "duration",
    default: "10s",
    env: "K8TS_NODE_STATUS_UPDATE_FREQUENCY",
    description: "how often the node status is computed and posted if it changed",
  },
  "node-status-report-frequency": {
    kind: "duration",
    default: "5m",
    env: "K8TS_NODE_STATUS_REPORT_FREQUENCY",
    description: "the node status is posted at least this often even if unchanged",
  },
  "relist-period": {
    kind: "duration",
    default: "1s",
    env: "K8TS_RELIST_PERIOD",
    description: "how often the runtime is relisted to notice exited containers",
  },
  "crash-loop-backoff-initial": {
    kind: "duration",
    default: "10s",
    env: "K8TS_CRASH_LOOP_BACKOFF_INITIAL",
    description: "delay before the second restart of a failing container (doubles per restart)",
  },
  "crash-loop-backoff-max": {
    kind: "duration",
    default: "5m",
    env: "K8TS_CRASH_LOOP_BACKOFF_MAX",
    description: "longest delay between restarts of a failing container",
  },
  ...supervisionFlags("K8TS_KUBELET_STATUS_LISTEN"),
} as const;

function parseLabels(items: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new FlagError(`--node-labels: "${item}" is not KEY=VALUE`);
    labels[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return labels;
}

function capacityOf(cpu: string, memory: string, maxPods: number): NodeCapacity {
  const host = hostCapacity();
  for (const [flag, value] of [
    ["cpu", cpu],
    ["memory", memory],
  ] as const)
    if (value !== "")
      try {
        parseQuantity(value);
      } catch (e) {
        throw new FlagError(`--${flag}: ${(e as Error).message}`);
      }
  if (maxPods < 1) throw new FlagError("--max-pods must be at least 1");
  return {
    cpu: cpu === "" ? host.cpu : cpu,
    memory: memory === "" ? host.memory : memory,
    pods: String(maxPods),
  };
}

/** Waits until the runtime plugin answers Version (it may start after the kubelet). */
async function waitForRuntime(
  runtime: RuntimeClient,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  let warned = false;
  while (!signal.aborted) {
    try {
      await runtime.version();
      return;
    } catch (e) {
      if (!warned)
        log.warn({ err: e, endpoint: runtime.endpoint }, "waiting for the runtime plugin");
      warned = true;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function main(): Promise<void> {
  let flags;
  let labels: Record<string, string>;
  let capacity: NodeCapacity;
  try {
    flags = parseFlags(
      "k8ts-kubelet",
      "The node agent: runs the pods bound to this node through runtime and network plugins.",
      FLAGS,
    );
    if (flags["runtime-endpoint"] === "") throw new FlagError("--runtime-endpoint is required");
    unixSocketPath(flags["runtime-endpoint"], "runtime-endpoint");
    if (flags["network-endpoint"] !== "")
      unixSocketPath(flags["network-endpoint"], "network-endpoint");
    labels = parseLabels(flags["node-labels"]);
    capacity = capacityOf(flags.cpu, flags.memory, flags["max-pods"]);
    if (flags["crash-loop-backoff-max"] < flags["crash-loop-backoff-initial"])
      throw new FlagError("--crash-loop-backoff-max must be at least --crash-loop-backoff-initial");
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(`${e.text}\n`);
      return;
    }
    if (e instanceof FlagError) {
      process.stderr.write(`k8ts-kubelet: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  const nodeName = flags["node-name"] === "" ? hostname().toLowerCase() : flags["node-name"];
  const log = createLogger({ component: "kubelet", level: flags["log-level"] }).child({
    node: nodeName,
  });
  const telemetry = await startTelemetry({ serviceName: "k8ts-kubelet" });
  const stop = new AbortController();
  let pipe: ParentPipe | undefined;
  if (flags["ready-fd"] >= 0) {
    pipe = openParentPipe(flags["ready-fd"]);
    pipe.onParentGone(() => stop.abort());
  }
  const onSignal = (): void => stop.abort();
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);

  const runtime = new RuntimeClient(flags["runtime-endpoint"]);
  const network =
    flags["network-endpoint"] === "" ? undefined : new NetworkClient(flags["network-endpoint"]);
  const client = new ApiClient({ server: flags.server, token: flags.token });
  const informers = new SharedInformerFactory(client, { logger: log });
  const recorder = new EventRecorder({
    client,
    component: "kubelet",
    reportingInstance: nodeName,
    host: nodeName,
    logger: log,
  });
  let nodeStatus: NodeStatusManager | undefined;
  const kubelet = new Kubelet({
    client,
    informers,
    runtime,
    network,
    nodeName,
    nodeIP: flags["node-ip"],
    podCidrs: () => nodeStatus?.podCidrs ?? [],
    recorder,
    logger: log,
    relistPeriodMs: flags["relist-period"],
    backoffInitialMs: flags["crash-loop-backoff-initial"],
    backoffMaxMs: flags["crash-loop-backoff-max"],
  });
  const prober = new ProbeManager({
    runtime,
    logger: log,
    onLivenessFailure: (podUid, _name, containerId, message, failure) =>
      kubelet.probeFailed(podUid, containerId, message, failure.gracePeriodSeconds),
    onResultChange: (podUid) => kubelet.probeChanged(podUid),
    recordEvent: (pod, containerName, reason, message) =>
      recorder.event(
        referenceTo("Pod", pod, `spec.containers{${containerName}}`),
        "Warning",
        reason,
        message,
      ),
  });
  kubelet.setProber(prober);
  const tokens =
    flags["client-token-file"] === "" ? undefined : await readTokenFile(flags["client-token-file"]);
  const server = new KubeletServer({ locator: kubelet, runtime, tokens, logger: log });

  let status: StatusServer | undefined;
  try {
    await waitForRuntime(runtime, log, stop.signal);
    if (stop.signal.aborted) return;
    const version = await runtime.version();
    const address = await server.start(flags.listen);
    const port = Number(address.slice(address.lastIndexOf(":") + 1));
    nodeStatus = new NodeStatusManager({
      client,
      nodeName,
      nodeIP: flags["node-ip"],
      labels: {
        "kubernetes.io/hostname": nodeName,
        "kubernetes.io/os": "linux",
        ...labels,
      },
      capacity,
      podCidr: flags["pod-cidr"],
      kubeletPort: port,
      runtimeVersion: () => `${version.runtimeName}://${version.runtimeVersion}`,
      readiness: async () => {
        try {
          const s = await runtime.status();
          const notReady = s.conditions.find((c) => !c.status);
          if (notReady !== undefined)
            return {
              ready: false,
              reason: notReady.reason || "RuntimeNotReady",
              message: notReady.message,
            };
          if (network !== undefined) {
            const n = await network.status();
            if (!n.ready)
              return {
                ready: false,
                reason: n.reason || "NetworkPluginNotReady",
                message: n.message,
              };
          }
          return { ready: true, reason: "", message: "" };
        } catch (e) {
          return { ready: false, reason: "RuntimeUnavailable", message: (e as Error).message };
        }
      },
      leaseDurationSeconds: Math.ceil(flags["node-lease-duration"] / 1000),
      leaseRenewMs: flags["node-lease-renew-interval"],
      statusUpdateMs: flags["node-status-update-frequency"],
      statusReportMs: flags["node-status-report-frequency"],
      logger: log,
    });
    await nodeStatus.start();
    informers.start(stop.signal);
    await kubelet.start(stop.signal);
    if (flags["status-listen"] !== "") {
      status = new StatusServer(() => ({
        identity: nodeName,
        synced: kubelet.synced(),
        leading: true,
        ...kubelet.counts(),
        metrics: { ...kubelet.metrics },
        kubeletAddress: address,
      }));
      const statusAddress = await status.listen(flags["status-listen"]);
      pipe?.ready({ identity: nodeName, statusAddress, kubeletAddress: address });
    } else {
      pipe?.ready({ identity: nodeName, kubeletAddress: address });
    }
    log.info({ kubelet: address, runtime: version.runtimeName }, "kubelet running");
    await new Promise<void>((resolve) => {
      if (stop.signal.aborted) resolve();
      else stop.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  } finally {
    log.info("stopping; pods keep running");
    await kubelet.stop();
    nodeStatus?.close();
    await server.stop();
    await status?.close();
    await informers.whenStopped();
    await recorder.shutdown();
    runtime.close();
    network?.close();
    client.close();
    pipe?.close();
    await telemetry.shutdown();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`k8ts-kubelet: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
