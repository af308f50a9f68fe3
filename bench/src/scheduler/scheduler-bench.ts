// Scheduler benchmark: the workload of Kubernetes' scheduler_perf `SchedulingBasic` on a
// real apiserver (embedded store) and a real scheduler process: `--nodes` Nodes (4 cpu,
// 32Gi, 110 pods, Ready; no kubelets, so nothing renews leases and nothing needs to), then
// `--pods` Pods (100m cpu, 500Mi) created by this process with `--inflight` creates in
// flight while the scheduler binds them. Measured:
//   - pods/s from the first create to the last bind (end to end, as a user sees a burst),
//     and the scheduling rate per second while it ran (scheduler_perf's SchedulingThroughput);
//   - create-to-bound latency per pod (from this process's watch), and the scheduler's own
//     p50/p99 by phase (queue wait, filter/score, bind) from its /statusz;
//   - placement quality: the coefficient of variation of per-node CPU allocation, next to a
//     run that scores every node (`--percentage-of-nodes-to-score 100`), the ceiling for
//     placement (the adaptive sampling trades some of it for speed);
//   - CPU seconds of the apiserver, the scheduler and this process during the run.
//
//   node bench/dist/scheduler/scheduler-bench.js [--nodes 5000] [--pods 10000]
//        [--inflight 64] [--runs adaptive,full] [--scheduler-cpu-prof DIR]
//        [--apiserver-cpu-prof DIR] [--out FILE]
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ApiClient } from "@k8ts/sdk";
import { Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";
import { Node } from "@k8ts/sdk/gen/k8ts/api/v1/node.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { SchedulerProcess } from "@k8ts/scheduler/testing";
import type { SchedulerStatus } from "@k8ts/scheduler";
import { envWithoutTracing, startBenchApiserver } from "../apiserver/bench-apiserver.js";
import { killAllChildren } from "../apiserver/child-process.js";
import { processCpuMs, ownCpuMs } from "../apiserver/cpu-time.js";
import {
  formatSummary,
  summarizeCpuProfile,
  type ProfileSummary,
} from "../apiserver/cpu-profile-top.js";
import { summarize, type Latency } from "../apiserver/latency.js";

const RUNS = ["adaptive", "full"] as const;
type RunKind = (typeof RUNS)[number];

interface Options {
  readonly nodes: number;
  readonly pods: number;
  readonly inflight: number;
  readonly runs: readonly RunKind[];
  readonly schedulerCpuProf: string | undefined;
  readonly apiserverCpuProf: string | undefined;
  readonly timeoutSeconds: number;
  readonly out: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const DEFAULT_OUT = resolve(HERE, "../../out/scheduler.json");
const NAMESPACE = "bench";
const ZONES = 3;

const USAGE = `usage: node bench/dist/scheduler/scheduler-bench.js [options]
    --nodes N                  Nodes (5000)
    --pods N                   Pods to schedule (10000)
    --inflight N               creates in flight (64)
    --runs LIST                adaptive (percentageOfNodesToScore 0), full (100) (adaptive,full)
    --scheduler-cpu-prof DIR   profile the scheduler of the adaptive run (node --cpu-prof)
    --apiserver-cpu-prof DIR   profile the apiserver of the adaptive run
    --timeout-seconds N        give up on a run after this long (600)
    --out FILE                 JSON results (bench/out/scheduler.json)`;

function parseOptions(): Options | undefined {
  const { values } = parseArgs({
    options: {
      nodes: { type: "string", default: "5000" },
      pods: { type: "string", default: "10000" },
      inflight: { type: "string", default: "64" },
      runs: { type: "string", default: RUNS.join(",") },
      "scheduler-cpu-prof": { type: "string" },
      "apiserver-cpu-prof": { type: "string" },
      "timeout-seconds": { type: "string", default: "600" },
      out: { type: "string", default: DEFAULT_OUT },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return undefined;
  }
  const int = (name: string, text: string): number => {
    const value = Number.parseInt(text, 10);
    if (!Number.isSafeInteger(value) || value < 1)
      throw new Error(`--${name} must be an integer >= 1`);
    return value;
  };
  const runs = values.runs.split(",").map((s) => s.trim());
  for (const r of runs)
    if (!(RUNS as readonly string[]).includes(r))
      throw new Error(`--runs: unknown run ${JSON.stringify(r)} (known: ${RUNS.join(", ")})`);
  return {
    nodes: int("nodes", values.nodes),
    pods: int("pods", values.pods),
    inflight: int("inflight", values.inflight),
    runs: runs as RunKind[],
    schedulerCpuProf: values["scheduler-cpu-prof"],
    apiserverCpuProf: values["apiserver-cpu-prof"],
    timeoutSeconds: int("timeout-seconds", values["timeout-seconds"]),
    out: values.out,
  };
}

/** scheduler_perf's node-default.yaml: 4 cpu, 32Gi, 110 pods; Ready; spread over zones. */
function benchNode(i: number): Node {
  const name = `node-${String(i).padStart(5, "0")}`;
  const resources = { cpu: { string: "4" }, memory: { string: "32Gi" }, pods: { string: "110" } };
  return Node.fromPartial({
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        "topology.kubernetes.io/zone": `zone-${i % ZONES}`,
      },
    },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }],
    },
  });
}

/** scheduler_perf's pod-default.yaml: one container requesting 100m cpu and 500Mi. */
function benchPod(i: number): Pod {
  return Pod.fromPartial({
    metadata: { namespace: NAMESPACE, name: `pod-${String(i).padStart(6, "0")}` },
    spec: {
      containers: [
        {
          name: "pause",
          image: "registry.k8s.io/pause:3.10",
          resources: { requests: { cpu: { string: "100m" }, memory: { string: "500Mi" } } },
        },
      ],
    },
  });
}

/** Runs `count` calls of `call(i)` with `inflight` at a time. */
async function closedLoop(
  count: number,
  inflight: number,
  call: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await call(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inflight, count) }, () => worker()));
}

interface RunResult {
  readonly run: RunKind;
  readonly percentageOfNodesToScore: number;
  readonly nodes: number;
  readonly pods: number;
  readonly nodesCreatePerSecond: number;
  /** Pods / (last bind - first create). */
  readonly podsPerSecond: number;
  /** Pods bound per second, sampled each second while binding (p50 and average). */
  readonly scheduledPerSecond: { readonly p50: number; readonly average: number };
  readonly createsPerSecond: number;
  readonly createToBound: Latency;
  readonly phases: SchedulerStatus["latency"];
  readonly metrics: SchedulerStatus["metrics"];
  /** Coefficient of variation of per-node CPU allocation (lower is more even). */
  readonly allocationCv: number;
  readonly podsPerNode: { readonly min: number; readonly max: number };
  readonly cpuSeconds: {
    readonly apiserver: number;
    readonly scheduler: number;
    readonly bench: number;
  };
  readonly loadAtStart: number;
  readonly profile?: ProfileSummary;
  readonly apiserverProfile?: ProfileSummary;
}

async function newestProfile(dir: string): Promise<string | undefined> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile")).sort();
  const last = files.at(-1);
  return last === undefined ? undefined : join(dir, last);
}

async function oneRun(kind: RunKind, options: Options, workDir: string): Promise<RunResult> {
  const percentage = kind === "full" ? 100 : 0;
  const runDir = join(workDir, kind);
  await mkdir(runDir, { recursive: true });
  const env = envWithoutTracing();
  const apiProfileDir =
    kind === "adaptive" && options.apiserverCpuProf !== undefined
      ? resolve(options.apiserverCpuProf)
      : undefined;
  if (apiProfileDir !== undefined) await mkdir(apiProfileDir, { recursive: true });
  const { child: apiserver, address } = await startBenchApiserver({
    workDir: runDir,
    nodeFlags: apiProfileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", apiProfileDir],
    args: ["--log-level", "warn"],
  });
  const client = new ApiClient({ server: address });
  let scheduler: SchedulerProcess | undefined;
  const watchStop = new AbortController();
  const profileDir =
    kind === "adaptive" && options.schedulerCpuProf !== undefined
      ? resolve(options.schedulerCpuProf)
      : undefined;
  try {
    await client.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: NAMESPACE } }));
    const nodesStarted = performance.now();
    await closedLoop(options.nodes, options.inflight, (i) =>
      client.kind("Node").create(benchNode(i)),
    );
    const nodesCreatePerSecond = options.nodes / ((performance.now() - nodesStarted) / 1000);

    if (profileDir !== undefined) await mkdir(profileDir, { recursive: true });
    scheduler = await SchedulerProcess.start({
      server: address,
      fast: false,
      args: [
        "--leader-elect=false",
        "--percentage-of-nodes-to-score",
        String(percentage),
        "--log-level",
        "warn",
      ],
      env,
      logDir: runDir,
      nodeArgs: profileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", profileDir],
      readyTimeoutMs: 120_000,
    });
    await scheduler.process.waitForStatus(
      (s) => s.nodes.length === options.nodes,
      `${options.nodes} nodes in the scheduler's cache`,
      120_000,
    );

    // Bound times from a watch of every pod (as a user's `get pods -w` would see them).
    const created = new Float64Array(options.pods);
    const boundAt = new Float64Array(options.pods);
    let boundCount = 0;
    let allBound: () => void = () => undefined;
    const done = new Promise<void>((r) => (allBound = r));
    const list = await client.kind("Pod").list({ namespace: NAMESPACE, limit: 1 });
    const watching = (async () => {
      for await (const e of client.kind("Pod").watch({
        namespace: NAMESPACE,
        resourceVersion: list.metadata?.resourceVersion ?? "",
        signal: watchStop.signal,
      })) {
        const name = e.object.metadata?.name ?? "";
        const i = Number(name.slice(4));
        if ((e.object.spec?.nodeName ?? "") === "" || boundAt[i] !== 0) continue;
        boundAt[i] = performance.now();
        if (++boundCount === options.pods) allBound();
      }
    })();
    watching.catch(() => undefined);

    const cpu0 = {
      apiserver: processCpuMs(apiserver.child.pid),
      scheduler: processCpuMs(scheduler.child.pid),
      bench: ownCpuMs(),
    };
    const loadAtStart = loadavg()[0] ?? 0;
    const start = performance.now();
    await closedLoop(options.pods, options.inflight, async (i) => {
      created[i] = performance.now();
      await client.kind("Pod").create(benchPod(i));
    });
    const createsDone = performance.now();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `${kind}: only ${boundCount} of ${options.pods} pods bound after ${options.timeoutSeconds} s`,
              ),
            ),
          options.timeoutSeconds * 1000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const end = performance.now();
    const cpu = {
      apiserver: (processCpuMs(apiserver.child.pid) - cpu0.apiserver) / 1000,
      scheduler: (processCpuMs(scheduler.child.pid) - cpu0.scheduler) / 1000,
      bench: (ownCpuMs() - cpu0.bench) / 1000,
    };
    watchStop.abort();
    const status = await scheduler.status();

    // Per-second bound counts from the first bind to the last.
    const firstBound = boundAt.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
    const seconds = Math.max(1, Math.ceil((end - firstBound) / 1000));
    const perSecond = new Float64Array(seconds);
    for (const t of boundAt) {
      const second = Math.min(seconds - 1, Math.floor((t - firstBound) / 1000));
      perSecond[second] = (perSecond[second] ?? 0) + 1;
    }
    const full = perSecond.slice(0, -1); // the last second is partial
    const sorted = (full.length > 0 ? full : perSecond).sort();

    // Placement: pods per node from the API (every pod requests the same cpu).
    const perNode = new Map<string, number>();
    let continueToken = "";
    do {
      const page = await client
        .kind("Pod")
        .list({ namespace: NAMESPACE, limit: 2000, continue: continueToken });
      for (const p of page.items) {
        const n = p.spec?.nodeName ?? "";
        perNode.set(n, (perNode.get(n) ?? 0) + 1);
      }
      continueToken = page.metadata?.continue ?? "";
    } while (continueToken !== "");
    const counts = Array.from(
      { length: options.nodes },
      (_, i) => perNode.get(benchNode(i).metadata?.name ?? "") ?? 0,
    );
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    const sd = Math.sqrt(counts.reduce((a, c) => a + (c - mean) ** 2, 0) / counts.length);

    await scheduler.stop();
    let profile: ProfileSummary | undefined;
    if (profileDir !== undefined) {
      const file = await newestProfile(profileDir);
      if (file !== undefined) profile = await summarizeCpuProfile(file);
    }
    let apiserverProfile: ProfileSummary | undefined;
    if (apiProfileDir !== undefined) {
      await apiserver.stop(10_000); // the profile is written at a clean exit
      const file = await newestProfile(apiProfileDir);
      if (file !== undefined) apiserverProfile = await summarizeCpuProfile(file, 25);
    }
    return {
      run: kind,
      percentageOfNodesToScore: percentage,
      nodes: options.nodes,
      pods: options.pods,
      nodesCreatePerSecond,
      podsPerSecond: options.pods / ((end - start) / 1000),
      scheduledPerSecond: {
        p50: sorted[Math.floor(sorted.length / 2)] ?? 0,
        average: sorted.reduce((a, b) => a + b, 0) / sorted.length,
      },
      createsPerSecond: options.pods / ((createsDone - start) / 1000),
      createToBound: summarize(Array.from(boundAt, (t, i) => t - (created[i] ?? 0))),
      phases: status.latency,
      metrics: status.metrics,
      allocationCv: mean === 0 ? 0 : sd / mean,
      podsPerNode: { min: Math.min(...counts), max: Math.max(...counts) },
      cpuSeconds: cpu,
      loadAtStart,
      ...(profile === undefined ? {} : { profile }),
      ...(apiserverProfile === undefined ? {} : { apiserverProfile }),
    };
  } finally {
    watchStop.abort();
    client.close();
    await scheduler?.dispose();
    await apiserver.stop();
  }
}

function fmt(value: number, digits = 0): string {
  return value.toLocaleString("en-US", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

function report(r: RunResult): string {
  const ph = (p: keyof SchedulerStatus["latency"]): string =>
    `${fmt(r.phases[p].p50Ms, 1)} / ${fmt(r.phases[p].p99Ms, 1)}`;
  return [
    `run ${r.run} (percentageOfNodesToScore ${r.percentageOfNodesToScore}), ${fmt(r.nodes)} nodes, ${fmt(r.pods)} pods, load ${r.loadAtStart.toFixed(2)} at start`,
    `  pods/s, first create to last bind   ${fmt(r.podsPerSecond)}`,
    `  scheduled/s while binding           p50 ${fmt(r.scheduledPerSecond.p50)}, average ${fmt(r.scheduledPerSecond.average)}`,
    `  creates/s (the benchmark's writes)  ${fmt(r.createsPerSecond)}   (nodes created at ${fmt(r.nodesCreatePerSecond)}/s)`,
    `  create -> bound p50 / p99 / max ms  ${fmt(r.createToBound.p50Ms)} / ${fmt(r.createToBound.p99Ms)} / ${fmt(r.createToBound.maxMs)}`,
    `  scheduler p50 / p99 ms: queue ${ph("queue")}, filter+score ${ph("algorithm")}, bind ${ph("bind")}`,
    `  allocation CV ${r.allocationCv.toFixed(3)}, pods per node ${r.podsPerNode.min}-${r.podsPerNode.max}`,
    `  CPU s: apiserver ${r.cpuSeconds.apiserver.toFixed(1)}, scheduler ${r.cpuSeconds.scheduler.toFixed(1)}, benchmark ${r.cpuSeconds.bench.toFixed(1)}`,
    `  scheduler metrics ${JSON.stringify(r.metrics)}`,
  ].join("\n");
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (options === undefined) return;
  const workDir = await mkdtemp(join(tmpdir(), "k8ts-bench-scheduler-"));
  const onSignal = (): void => {
    killAllChildren();
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.stdout.write(
    `scheduler benchmark: ${options.nodes} nodes, ${options.pods} pods, ${options.inflight} creates in flight; ${cpus().length} cores\n`,
  );
  const results: RunResult[] = [];
  try {
    for (const kind of options.runs) {
      const r = await oneRun(kind, options, workDir);
      results.push(r);
      process.stdout.write(`${report(r)}\n`);
      if (r.profile !== undefined) process.stdout.write(`scheduler ${formatSummary(r.profile)}\n`);
      if (r.apiserverProfile !== undefined)
        process.stdout.write(`apiserver ${formatSummary(r.apiserverProfile)}\n`);
    }
    const adaptive = results.find((r) => r.run === "adaptive");
    const full = results.find((r) => r.run === "full");
    if (adaptive !== undefined && full !== undefined)
      process.stdout.write(
        `placement: allocation CV ${adaptive.allocationCv.toFixed(3)} adaptive vs ${full.allocationCv.toFixed(3)} full scan; ` +
          `speed ${fmt(adaptive.podsPerSecond)} vs ${fmt(full.podsPerSecond)} pods/s\n`,
      );
    await mkdir(dirname(options.out), { recursive: true });
    await writeFile(
      options.out,
      `${JSON.stringify({ date: new Date().toISOString(), options, results }, null, 2)}\n`,
    );
    process.stdout.write(`results: ${options.out}\n`);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  killAllChildren();
  process.stderr.write(
    `scheduler bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exitCode = 1;
});
