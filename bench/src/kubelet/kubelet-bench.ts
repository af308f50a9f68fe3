// Kubelet benchmark (mock runtime): a real apiserver and `--nodes` nodes, each a real
// kubelet process with its own mock runtime and mock network plugin processes (a simulated
// cluster, as kwok makes one). `--pods-per-node` pods per node are created with
// spec.nodeName set (the scheduler is left out: bench/scheduler measures it), and a watch
// records when each is first seen Running:
//   1. time from each pod's create call to Running, as observed by the watch (p50/p99),
//      and until all are Running; CPU seconds of the kubelets, runtimes and apiserver;
//   2. then idle for `--idle-seconds`: kubelet CPU (each relists every second) and memory.
//
//   node bench/dist/kubelet/kubelet-bench.js [--nodes 50] [--pods-per-node 100]
//        [--idle-seconds 20] [--timeout-seconds 600] [--out FILE] [--kubelet-cpu-prof DIR]
//        [--runtime-cpu-prof DIR]
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ApiClient, ComponentProcess, PluginProcess, type ComponentStatus } from "@k8ts/sdk";
import { Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { envWithoutTracing, startBenchApiserver } from "../apiserver/bench-apiserver.js";
import { killAllChildren } from "../apiserver/child-process.js";
import { processCpuMs } from "../apiserver/cpu-time.js";
import { summarize } from "../apiserver/latency.js";

interface Options {
  readonly nodes: number;
  readonly podsPerNode: number;
  readonly idleSeconds: number;
  readonly timeoutSeconds: number;
  readonly out: string;
  /** Write a CPU profile of each kubelet here (node --cpu-prof). */
  readonly kubeletCpuProf: string | undefined;
  /** Write a CPU profile of each runtime plugin here. */
  readonly runtimeCpuProf: string | undefined;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULT_OUT = resolve(HERE, "../../out/kubelet.json");
const NAMESPACE = "bench";
const main = (specifier: string): string => fileURLToPath(import.meta.resolve(specifier));

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      nodes: { type: "string", default: "50" },
      "pods-per-node": { type: "string", default: "100" },
      "idle-seconds": { type: "string", default: "20" },
      "timeout-seconds": { type: "string", default: "600" },
      out: { type: "string", default: DEFAULT_OUT },
      "kubelet-cpu-prof": { type: "string" },
      "runtime-cpu-prof": { type: "string" },
    },
  });
  const int = (name: string, text: string, min = 1): number => {
    const value = Number.parseInt(text, 10);
    if (!Number.isSafeInteger(value) || value < min)
      throw new Error(`--${name} must be an integer >= ${min}`);
    return value;
  };
  return {
    nodes: int("nodes", values.nodes),
    podsPerNode: int("pods-per-node", values["pods-per-node"]),
    idleSeconds: int("idle-seconds", values["idle-seconds"]),
    timeoutSeconds: int("timeout-seconds", values["timeout-seconds"]),
    out: values.out,
    kubeletCpuProf: values["kubelet-cpu-prof"],
    runtimeCpuProf: values["runtime-cpu-prof"],
  };
}

function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? Number.NaN : Number(m[1]) / 1024;
}

interface BenchNode {
  readonly name: string;
  readonly runtime: PluginProcess;
  readonly network: PluginProcess;
  readonly kubelet: ComponentProcess<ComponentStatus>;
}

async function startNode(
  server: string,
  dir: string,
  i: number,
  cpuProf: string | undefined,
  runtimeProf: string | undefined,
): Promise<BenchNode> {
  const name = `node-${i}`;
  const nodeDir = join(dir, `n${i}`);
  await mkdir(nodeDir, { recursive: true });
  const env = envWithoutTracing();
  const runtime = await PluginProcess.start({
    command: [
      process.execPath,
      ...(runtimeProf === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${runtimeProf}`]),
      main("@k8ts/runtime-mock/main"),
    ],
    nodeName: name,
    socket: join(nodeDir, "rt.sock"),
    stateDir: join(nodeDir, "rt"),
    logFile: join(nodeDir, "runtime.log"),
    args: ["--log-level", "warn"],
    env,
  });
  const network = await PluginProcess.start({
    command: [process.execPath, main("@k8ts/cni-mock/main")],
    nodeName: name,
    socket: join(nodeDir, "net.sock"),
    stateDir: join(nodeDir, "net"),
    logFile: join(nodeDir, "network.log"),
    args: ["--log-level", "warn"],
    env,
  });
  const kubelet = await ComponentProcess.start({
    main: main("@k8ts/kubelet/main"),
    name: `kubelet-${name}`,
    logDir: nodeDir,
    env,
    readyTimeoutMs: 120_000,
    nodeArgs: cpuProf === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${cpuProf}`],
    args: [
      ...["--server", server, "--node-name", name],
      ...["--runtime-endpoint", runtime.endpoint, "--network-endpoint", network.endpoint],
      ...["--pod-cidr", `10.${Math.floor(i / 256)}.${i % 256}.0/24`, "--listen", "127.0.0.1:0"],
      ...["--cpu", "64", "--memory", "256Gi", "--max-pods", "250", "--log-level", "warn"],
    ],
  });
  return { name, runtime, network, kubelet };
}

async function main_(): Promise<void> {
  const options = parseOptions();
  const workDir = await mkdtemp(join(tmpdir(), "k8ts-kb-"));
  const nodes: BenchNode[] = [];
  const onSignal = (): void => {
    killAllChildren();
    for (const n of nodes)
      for (const p of [n.kubelet.child, n.runtime.child, n.network.child]) p.kill("SIGKILL");
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const { child: apiserver, address } = await startBenchApiserver({
    workDir,
    args: ["--log-level", "warn"],
  });
  const client = new ApiClient({ server: address });
  const stopWatch = new AbortController();
  try {
    const bootStarted = performance.now();
    for (let i = 1; i <= options.nodes; i += 5) {
      const batch = Array.from({ length: Math.min(5, options.nodes - i + 1) }, (_, k) => i + k);
      nodes.push(
        ...(await Promise.all(
          batch.map((n) =>
            startNode(address, workDir, n, options.kubeletCpuProf, options.runtimeCpuProf),
          ),
        )),
      );
    }
    const bootSeconds = (performance.now() - bootStarted) / 1000;
    process.stdout.write(`${options.nodes} nodes up in ${bootSeconds.toFixed(1)} s\n`);
    await client.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: NAMESPACE } }));

    const total = options.nodes * options.podsPerNode;
    const createdAt = new Map<string, number>();
    const runningAt = new Map<string, number>();
    let allRunning: () => void = () => undefined;
    const done = new Promise<void>((r) => (allRunning = r));
    const watching = (async () => {
      for await (const ev of client
        .kind("Pod")
        .watch({ namespace: NAMESPACE, signal: stopWatch.signal, resourceVersion: "0" })) {
        const name = ev.object.metadata?.name ?? "";
        if (ev.object.status?.phase === "Running" && !runningAt.has(name)) {
          runningAt.set(name, performance.now());
          if (runningAt.size === total) allRunning();
        }
      }
    })().catch((e: unknown) => {
      if (!stopWatch.signal.aborted) throw e;
    });

    const cpuOf = (): {
      kubelets: number;
      runtimes: number;
      networks: number;
      apiserver: number;
    } => ({
      kubelets: nodes.reduce((s, n) => s + processCpuMs(n.kubelet.child.pid), 0),
      runtimes: nodes.reduce((s, n) => s + processCpuMs(n.runtime.child.pid), 0),
      networks: nodes.reduce((s, n) => s + processCpuMs(n.network.child.pid), 0),
      apiserver: processCpuMs(apiserver.child.pid),
    });
    const cpuDelta = (a: ReturnType<typeof cpuOf>) => {
      const b = cpuOf();
      return {
        kubelets: (b.kubelets - a.kubelets) / 1000,
        runtimes: (b.runtimes - a.runtimes) / 1000,
        networks: (b.networks - a.networks) / 1000,
        apiserver: (b.apiserver - a.apiserver) / 1000,
      };
    };

    const loadAtStart = loadavg()[0] ?? 0;
    const cpu0 = cpuOf();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < total) {
          const i = next++;
          const name = `pod-${String(i).padStart(5, "0")}`;
          createdAt.set(name, performance.now());
          await client.kind("Pod").create(
            Pod.fromPartial({
              metadata: { name, namespace: NAMESPACE, labels: { app: "bench" } },
              spec: {
                nodeName: `node-${(i % options.nodes) + 1}`,
                containers: [{ name: "app", image: "bench/app:1" }],
              },
            }),
          );
        }
      }),
    );
    const createSeconds = (performance.now() - started) / 1000;
    await Promise.race([
      done,
      new Promise((_, reject) =>
        setTimeout(
          () => reject(new Error(`only ${runningAt.size} of ${total} pods Running in time`)),
          options.timeoutSeconds * 1000,
        ).unref(),
      ),
    ]);
    const allRunningSeconds = (Math.max(...runningAt.values()) - started) / 1000;
    const latency = summarize([...runningAt].map(([n, t]) => t - (createdAt.get(n) ?? started)));
    const startupCpu = cpuDelta(cpu0);
    process.stdout.write(
      `${total} pods created in ${createSeconds.toFixed(1)} s, all Running after ${allRunningSeconds.toFixed(1)} s; ` +
        `create->Running p50 ${latency.p50Ms.toFixed(0)} ms, p99 ${latency.p99Ms.toFixed(0)} ms\n`,
    );

    const metricsOf = async (): Promise<Record<string, number>> =>
      ((await nodes[0]?.kubelet.status()) as unknown as { metrics: Record<string, number> })
        .metrics;
    const metrics1 = await metricsOf();
    const cpu1 = cpuOf();
    await new Promise((r) => setTimeout(r, options.idleSeconds * 1000));
    const idleCpu = cpuDelta(cpu1);
    const metrics2 = await metricsOf();
    const idleWork = Object.fromEntries(
      Object.entries(metrics2).map(([k, v]) => [k, v - (metrics1[k] ?? 0)]),
    );
    const rss = nodes.map((n) => rssMiB(n.kubelet.child.pid));
    const runtimeRss = nodes.map((n) => rssMiB(n.runtime.child.pid));
    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, loadAtStart },
      options: {
        nodes: options.nodes,
        podsPerNode: options.podsPerNode,
        idleSeconds: options.idleSeconds,
      },
      bootSeconds,
      pods: total,
      createSeconds,
      allRunningSeconds,
      createToRunning: latency,
      startupCpuSeconds: startupCpu,
      kubeletCpuMsPerPod: (startupCpu.kubelets * 1000) / total,
      idle: {
        kubeletCpuPercentEach: (idleCpu.kubelets / options.nodes / options.idleSeconds) * 100,
        runtimeCpuPercentEach: (idleCpu.runtimes / options.nodes / options.idleSeconds) * 100,
        apiserverCpuPercent: (idleCpu.apiserver / options.idleSeconds) * 100,
      },
      idleWorkOfNode1: idleWork,
      kubeletRssMiB: { mean: rss.reduce((a, b) => a + b, 0) / rss.length, max: Math.max(...rss) },
      runtimeRssMiB: {
        mean: runtimeRss.reduce((a, b) => a + b, 0) / runtimeRss.length,
        max: Math.max(...runtimeRss),
      },
    };
    process.stdout.write(
      `kubelet CPU ${result.kubeletCpuMsPerPod.toFixed(1)} ms/pod at startup; idle ${result.idle.kubeletCpuPercentEach.toFixed(2)}% each; ` +
        `RSS mean ${result.kubeletRssMiB.mean.toFixed(0)} MiB, max ${result.kubeletRssMiB.max.toFixed(0)} MiB\n` +
        `startup CPU s ${JSON.stringify(startupCpu)}; idle work of node-1 ${JSON.stringify(idleWork)}\n`,
    );
    await mkdir(dirname(options.out), { recursive: true });
    await writeFile(options.out, `${JSON.stringify(result, null, 2)}\n`);
    stopWatch.abort();
    await watching;
  } finally {
    stopWatch.abort();
    client.close();
    await Promise.all(
      nodes.map(async (n) => {
        // SIGTERM first: a kubelet writes its CPU profile only on a clean exit.
        await n.kubelet.stop();
        await n.kubelet.dispose();
        await n.runtime.stop();
        await n.network.kill();
      }),
    );
    killAllChildren();
    await rm(workDir, { recursive: true, force: true });
  }
}

main_().catch((e: unknown) => {
  process.stderr.write(
    `kubelet bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  killAllChildren();
  process.exit(1);
});
