// Controllers benchmark: a real apiserver (embedded store), scheduler and controller-manager
// (processes), and this process standing in for the kubelets (TestKubelet: it runs the
// pods bound to its nodes, i.e. marks them Running and Ready, and renews node Leases).
//   1. `--deployments` Deployments of `--replicas` pods each, created at once: the time until
//      every one reports all its replicas available (observedGeneration current), and per
//      Deployment from its create to available (p50/p99); CPU of each process meanwhile.
//   2. Scaled up until `--idle-pods` pods exist, then left alone: the controller-manager's
//      CPU over `--idle-seconds` and its memory (RSS), with every pod in its caches.
//
//   node bench/dist/controllers/controllers-bench.js [--deployments 100] [--replicas 10]
//        [--nodes 20] [--idle-pods 10000] [--idle-seconds 20] [--out FILE]
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ApiClient, type ComponentProcess } from "@k8ts/sdk";
import { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";
import type { ControllerManagerStatus } from "@k8ts/controller-manager";
import { TestKubelet, startControllerManager } from "@k8ts/controller-manager/testing";
import { SchedulerProcess } from "@k8ts/scheduler/testing";
import { envWithoutTracing, startBenchApiserver } from "../apiserver/bench-apiserver.js";
import { killAllChildren } from "../apiserver/child-process.js";
import { processCpuMs } from "../apiserver/cpu-time.js";
import { summarize, type Latency } from "../apiserver/latency.js";

interface Options {
  readonly deployments: number;
  readonly replicas: number;
  readonly nodes: number;
  readonly idlePods: number;
  readonly idleSeconds: number;
  readonly timeoutSeconds: number;
  readonly out: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULT_OUT = resolve(HERE, "../../out/controllers.json");
const NAMESPACE = "bench";

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      deployments: { type: "string", default: "100" },
      replicas: { type: "string", default: "10" },
      nodes: { type: "string", default: "20" },
      "idle-pods": { type: "string", default: "10000" },
      "idle-seconds": { type: "string", default: "20" },
      "timeout-seconds": { type: "string", default: "600" },
      out: { type: "string", default: DEFAULT_OUT },
    },
  });
  const int = (name: string, text: string, min = 1): number => {
    const value = Number.parseInt(text, 10);
    if (!Number.isSafeInteger(value) || value < min)
      throw new Error(`--${name} must be an integer >= ${min}`);
    return value;
  };
  return {
    deployments: int("deployments", values.deployments),
    replicas: int("replicas", values.replicas),
    nodes: int("nodes", values.nodes),
    idlePods: int("idle-pods", values["idle-pods"], 0),
    idleSeconds: int("idle-seconds", values["idle-seconds"]),
    timeoutSeconds: int("timeout-seconds", values["timeout-seconds"]),
    out: values.out,
  };
}

/** Resident memory of a process, MiB (Linux /proc). */
function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

function deployment(i: number, replicas: number): Deployment {
  const name = `app-${String(i).padStart(3, "0")}`;
  return Deployment.fromPartial({
    metadata: { name, namespace: NAMESPACE },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "app", image: `bench/${name}:1` }] },
      },
    },
  });
}

function available(d: Deployment): boolean {
  const want = d.spec?.replicas ?? 1;
  return (
    (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
    (d.status?.availableReplicas ?? 0) === want &&
    (d.status?.updatedReplicas ?? 0) === want &&
    (d.status?.replicas ?? 0) === want
  );
}

/** Polls the Deployments until every one is available; returns when each first was. */
async function untilAvailable(
  client: ApiClient,
  names: readonly string[],
  timeoutMs: number,
): Promise<Map<string, number>> {
  const at = new Map<string, number>();
  const deadline = performance.now() + timeoutMs;
  while (at.size < names.length) {
    const list = await client.kind("Deployment").list({ namespace: NAMESPACE });
    const now = performance.now();
    for (const d of list.items) {
      const name = d.metadata?.name ?? "";
      if (!at.has(name) && available(d)) at.set(name, now);
    }
    if (at.size === names.length) break;
    if (now > deadline) {
      const stuck = list.items
        .filter((d) => !at.has(d.metadata?.name ?? ""))
        .map((d) => ({
          name: d.metadata?.name,
          generation: d.metadata?.generation,
          status: d.status,
        }));
      throw new Error(
        `only ${at.size} of ${names.length} Deployments available in time; not: ${JSON.stringify(stuck).slice(0, 3000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return at;
}

interface CpuSnapshot {
  apiserver: number;
  scheduler: number;
  controllerManager: number;
  bench: number;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const workDir = await mkdtemp(join(tmpdir(), "k8ts-bench-controllers-"));
  const onSignal = (): void => {
    killAllChildren();
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const env = envWithoutTracing();
  const { child: apiserver, address } = await startBenchApiserver({
    workDir,
    args: ["--log-level", "warn"],
  });
  const client = new ApiClient({ server: address });
  let scheduler: SchedulerProcess | undefined;
  let cm: ComponentProcess<ControllerManagerStatus> | undefined;
  let kubelet: TestKubelet | undefined;
  try {
    const nodes = Array.from({ length: options.nodes }, (_, i) => `node-${i}`);
    kubelet = await TestKubelet.start({
      client,
      nodes,
      capacity: { pods: String(Math.max(110, Math.ceil((2 * options.idlePods) / options.nodes))) },
      leaseRenewMs: 10_000,
    });
    scheduler = await SchedulerProcess.start({
      server: address,
      fast: false,
      args: ["--leader-elect=false", "--log-level", "warn"],
      env,
      logDir: workDir,
    });
    cm = await startControllerManager({
      server: address,
      fast: false,
      args: ["--leader-elect=false", "--log-level", "warn"],
      env,
      logDir: workDir,
    });
    await cm.waitForStatus(
      (s) => s.leading && s.enabled.every((n) => n in s.controllers),
      "every controller running",
      30_000,
    );
    await client.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: NAMESPACE } }));

    const pids = {
      apiserver: apiserver.child.pid,
      scheduler: scheduler.child.pid,
      controllerManager: cm.child.pid,
    };
    const cpuNow = (): CpuSnapshot => ({
      apiserver: processCpuMs(pids.apiserver),
      scheduler: processCpuMs(pids.scheduler),
      controllerManager: processCpuMs(pids.controllerManager),
      bench: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    });
    const cpuSince = (a: CpuSnapshot): CpuSnapshot => {
      const b = cpuNow();
      return {
        apiserver: (b.apiserver - a.apiserver) / 1000,
        scheduler: (b.scheduler - a.scheduler) / 1000,
        controllerManager: (b.controllerManager - a.controllerManager) / 1000,
        bench: (b.bench - a.bench) / 1000,
      };
    };

    // Phase 1: Deployments from nothing to available.
    const loadAtStart = loadavg()[0] ?? 0;
    const names = Array.from({ length: options.deployments }, (_, i) =>
      deployment(i, options.replicas),
    );
    const cpu0 = cpuNow();
    const started = performance.now();
    const createdAt = new Map<string, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < names.length) {
          const d = names[next++];
          if (d === undefined) break;
          createdAt.set(d.metadata?.name ?? "", performance.now());
          await client.kind("Deployment").create(d);
        }
      }),
    );
    const availableAt = await untilAvailable(
      client,
      names.map((d) => d.metadata?.name ?? ""),
      options.timeoutSeconds * 1000,
    );
    const allAvailableSeconds = (Math.max(...availableAt.values()) - started) / 1000;
    const perDeployment: Latency = summarize(
      [...availableAt].map(([name, t]) => t - (createdAt.get(name) ?? started)),
    );
    const phase1Cpu = cpuSince(cpu0);
    const pods1 = options.deployments * options.replicas;
    process.stdout.write(
      `rollout: ${options.deployments} x ${options.replicas} available after ${allAvailableSeconds.toFixed(1)} s; ` +
        `per Deployment p50 ${perDeployment.p50Ms.toFixed(0)} ms, p99 ${perDeployment.p99Ms.toFixed(0)} ms; ` +
        `CPU s ${JSON.stringify(phase1Cpu)}\n`,
    );

    // Phase 2: scaled up to the idle pod count, then idle.
    let idle: Record<string, number> | undefined;
    if (options.idlePods > pods1) {
      const per = Math.ceil(options.idlePods / options.deployments);
      await Promise.all(
        names.map((d) =>
          client
            .kind("Deployment")
            .patch(d.metadata?.name ?? "", { spec: { replicas: per } }, { namespace: NAMESPACE }),
        ),
      );
      const scaledStarted = performance.now();
      await untilAvailable(
        client,
        names.map((d) => d.metadata?.name ?? ""),
        options.timeoutSeconds * 1000,
      );
      const scaledSeconds = (performance.now() - scaledStarted) / 1000;
      // Let the last status writes and events settle before measuring idleness.
      await new Promise((r) => setTimeout(r, 3_000));
      const reconciles = async (): Promise<number> =>
        Object.values((await cm?.status())?.controllers ?? {}).reduce(
          (a, c) => a + (c.reconciles ?? 0),
          0,
        );
      const reconciles0 = await reconciles();
      const idle0 = cpuNow();
      await new Promise((r) => setTimeout(r, options.idleSeconds * 1000));
      const idleCpu = cpuSince(idle0);
      const reconcilesWhileIdle = (await reconciles()) - reconciles0;
      idle = {
        pods: per * options.deployments,
        scaleUpSeconds: scaledSeconds,
        controllerManagerCpuPercent: (100 * idleCpu.controllerManager) / options.idleSeconds,
        controllerManagerRssMiB: rssMiB(pids.controllerManager),
        schedulerRssMiB: rssMiB(pids.scheduler),
        apiserverRssMiB: rssMiB(pids.apiserver),
        reconcilesWhileIdle,
      };
    }

    const result = {
      date: new Date().toISOString(),
      options,
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "unknown", loadAtStart },
      rollout: {
        deployments: options.deployments,
        replicas: options.replicas,
        pods: pods1,
        allAvailableSeconds,
        podsPerSecond: pods1 / allAvailableSeconds,
        perDeploymentMs: perDeployment,
        cpuSeconds: phase1Cpu,
      },
      idle,
      kubeletErrors: kubelet.errors.length,
    };
    const f = (n: number, d = 0): string =>
      n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
    process.stdout.write(
      [
        `controllers benchmark: ${options.deployments} Deployments x ${options.replicas} replicas over ${options.nodes} nodes; load ${loadAtStart.toFixed(2)} at start; ${cpus().length} cores`,
        `  all available after          ${f(allAvailableSeconds, 1)} s (${f(result.rollout.podsPerSecond)} pods/s)`,
        `  per Deployment create -> available p50 / p99 / max ms  ${f(perDeployment.p50Ms)} / ${f(perDeployment.p99Ms)} / ${f(perDeployment.maxMs)}`,
        `  CPU s meanwhile: apiserver ${f(phase1Cpu.apiserver, 1)}, scheduler ${f(phase1Cpu.scheduler, 1)}, controller-manager ${f(phase1Cpu.controllerManager, 1)}, kubelet+bench ${f(phase1Cpu.bench, 1)}`,
        idle === undefined
          ? "  idle: skipped"
          : `  idle with ${f(idle.pods ?? 0)} pods (scaled up in ${f(idle.scaleUpSeconds ?? 0, 1)} s): controller-manager CPU ${f(idle.controllerManagerCpuPercent ?? 0, 2)}% of a core over ${options.idleSeconds} s, RSS ${f(idle.controllerManagerRssMiB ?? 0)} MiB (scheduler ${f(idle.schedulerRssMiB ?? 0)} MiB, apiserver ${f(idle.apiserverRssMiB ?? 0)} MiB); ${f(idle.reconcilesWhileIdle ?? 0)} reconciles while idle`,
      ].join("\n") + "\n",
    );
    await mkdir(dirname(options.out), { recursive: true });
    await writeFile(options.out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`results: ${options.out}\n`);
  } finally {
    await kubelet?.close();
    client.close();
    await cm?.dispose();
    await scheduler?.dispose();
    await apiserver.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  killAllChildren();
  process.stderr.write(
    `controllers bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exitCode = 1;
});
