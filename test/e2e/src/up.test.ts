// `k8ts up` as a new user meets it: start it, use the cluster with the CLI from another
// "shell", stop it with Ctrl-C, and start it again on the same data.
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "@k8ts/sdk";

const run = promisify(execFile);
const CLI = fileURLToPath(new URL("../../../cli/dist/main.js", import.meta.url));
const BLOG = fileURLToPath(new URL("../../../examples/blog.yaml", import.meta.url));

let dir: string;
let env: NodeJS.ProcessEnv;
let listen: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

interface Up {
  readonly child: ChildProcess;
  output(): string;
}

async function startUp(extra: readonly string[] = [], dataDir = "cluster"): Promise<Up> {
  let out = "";
  const child = spawn(
    process.execPath,
    [CLI, "up", "--data-dir", join(dir, dataDir), "--listen", listen, ...extra],
    {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  await waitFor(
    "k8ts up to report it is up",
    () =>
      out.includes("k8ts is up.")
        ? true
        : child.exitCode === null
          ? undefined
          : Promise.reject(new Error(out)),
    30_000,
  );
  return { child, output: () => out };
}

async function stopUp(up: Up): Promise<number | null> {
  if (up.child.exitCode !== null) return up.child.exitCode;
  const exited = new Promise<number | null>((resolve) =>
    up.child.once("exit", (code) => resolve(code)),
  );
  up.child.kill("SIGINT");
  return exited;
}

async function k8ts(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [CLI, ...args], { env });
}

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-up-"));
  listen = `127.0.0.1:${await freePort()}`;
  env = { ...process.env, K8TS_CONFIG: join(dir, "config"), K8TS_SERVER: "", K8TS_TOKEN: "" };
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("k8ts up", () => {
  it("starts a cluster, writes a context the CLI uses, stops cleanly on Ctrl-C and keeps the data", async () => {
    const first = await startUp();
    expect(first.output()).toContain(`API server  ${listen}`);
    const config = await readFile(join(dir, "config"), "utf8");
    expect(config).toContain(listen);

    // From "another shell": the CLI finds the cluster through the context.
    const applied = await k8ts("apply", "-f", BLOG);
    expect(applied.stdout).toContain("deployment.apps/blog created");
    const yaml = (await k8ts("get", "deploy", "blog", "-n", "blog", "-o", "yaml")).stdout;
    expect(yaml).toMatch(/uid: [0-9a-f-]{36}/);
    expect(yaml).toMatch(/resourceVersion: "\d+"/);
    expect(yaml).toMatch(/creationTimestamp: "?\d{4}-/);

    const logs = await readFile(join(dir, "cluster", "logs", "apiserver.log"), "utf8");
    const apiserverPid = (JSON.parse(logs.split("\n")[0] ?? "{}") as { pid?: number }).pid;
    expect(alive(apiserverPid)).toBe(true);

    expect(await stopUp(first)).toBe(0);
    expect(first.output()).toContain("stopped.");
    // Nothing left behind.
    await waitFor("the apiserver to exit", () => (alive(apiserverPid) ? undefined : true));

    // Again on the same data: the same objects.
    const second = await startUp();
    const again = await k8ts("get", "deploy", "blog", "-n", "blog", "-o", "yaml");
    expect(again.stdout).toContain(yaml.match(/uid: .*/)?.[0] ?? "missing uid");
    const unchanged = await k8ts("apply", "-f", BLOG);
    expect(unchanged.stdout).toContain("deployment.apps/blog unchanged");
    expect(await stopUp(second)).toBe(0);
  });

  it("schedules pods onto Nodes applied by hand, and says why a pod cannot fit, also a Deployment's", async () => {
    // No kubelets: only the Nodes the test applies.
    const up = await startUp(["--nodes", "0"], "no-nodes");
    try {
      const node = (name: string, memory: string): string => `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  labels: {kubernetes.io/hostname: ${name}}
status:
  capacity: {cpu: "4", memory: ${memory}, pods: "110"}
  allocatable: {cpu: "4", memory: ${memory}, pods: "110"}
  conditions: [{type: Ready, status: "True"}]
`;
      const files = join(dir, "manifests");
      await mkdir(files, { recursive: true });
      await writeFile(join(files, "small-node.yaml"), node("small", "8Gi"));
      await writeFile(join(files, "big-node.yaml"), node("big", "128Gi"));
      await writeFile(
        join(files, "hungry.yaml"),
        `apiVersion: v1
kind: Pod
metadata: {name: hungry, namespace: default}
spec:
  containers:
    - name: app
      image: k8ts/hungry:1
      resources: {requests: {memory: 64Gi}}
`,
      );
      await k8ts("apply", "-f", join(files, "small-node.yaml"));
      await k8ts("apply", "-f", join(files, "hungry.yaml"));
      const why = await waitFor("the FailedScheduling reason", async () => {
        const d = (await k8ts("describe", "pod", "hungry")).stdout;
        return d.includes("FailedScheduling") ? d : undefined;
      });
      expect(why).toContain("0/1 nodes are available: 1 Insufficient memory.");
      expect((await k8ts("get", "pod", "hungry")).stdout).toContain("Pending");
      await k8ts("apply", "-f", join(files, "big-node.yaml"));
      await waitFor("the pod to be bound to the big node", async () => {
        const wide = (await k8ts("get", "pod", "hungry", "-o", "wide")).stdout;
        return /\bbig\b/.test(wide) ? true : undefined;
      });

      // A 5-replica Deployment whose pods refuse to share a node, over 4 nodes: the
      // controllers create 5 pods, the scheduler puts 4 on 4 distinct nodes and says why
      // the fifth fits nowhere.
      await writeFile(
        join(files, "more-nodes.yaml"),
        `${node("n3", "8Gi")}---\n${node("n4", "8Gi")}`,
      );
      await writeFile(
        join(files, "spread.yaml"),
        `apiVersion: apps/v1
kind: Deployment
metadata: {name: spread, namespace: default}
spec:
  replicas: 5
  selector: {matchLabels: {app: spread}}
  template:
    metadata: {labels: {app: spread}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - labelSelector: {matchLabels: {app: spread}}
              topologyKey: kubernetes.io/hostname
      containers:
        - name: app
          image: k8ts/spread:1
`,
      );
      await k8ts("apply", "-f", join(files, "more-nodes.yaml"));
      await k8ts("apply", "-f", join(files, "spread.yaml"));
      const placed = await waitFor(
        "4 spread pods bound and 1 pending",
        async () => {
          const out = (await k8ts("get", "pods", "-l", "app=spread", "-o", "json")).stdout;
          const pods = (JSON.parse(out) as { items: { spec?: { nodeName?: string } }[] }).items;
          const nodes = pods.map((p) => p.spec?.nodeName ?? "");
          return pods.length === 5 && nodes.filter((n) => n === "").length === 1
            ? nodes
            : undefined;
        },
        30_000,
      );
      expect(new Set(placed.filter((n) => n !== "")).size).toBe(4);
      const pending = await waitFor("the pending spread pod's reason", async () => {
        const d = (await k8ts("describe", "pods", "-l", "app=spread")).stdout;
        return d.includes("didn't match pod anti-affinity rules") ? d : undefined;
      });
      expect(pending).toContain(
        "0/4 nodes are available: 4 node(s) didn't match pod anti-affinity rules.",
      );
    } finally {
      expect(await stopUp(up)).toBe(0);
    }
  });

  it("runs a Deployment on three mock nodes; logs and exec reach its containers", async () => {
    const up = await startUp(["--nodes", "3", "--runtime", "mock"], "three-nodes");
    try {
      expect(up.output()).toContain("nodes       node-1, node-2, node-3  (runtime mock");
      const files = join(dir, "manifests-3");
      await mkdir(files, { recursive: true });
      await writeFile(
        join(files, "hello.yaml"),
        `apiVersion: apps/v1
kind: Deployment
metadata: {name: hello, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: hello}}
  template:
    metadata: {labels: {app: hello}}
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            - labelSelector: {matchLabels: {app: hello}}
              topologyKey: kubernetes.io/hostname
      containers:
        - name: hello
          image: k8ts/hello:1
          env:
            - name: POD_NAME
              valueFrom: {fieldRef: {fieldPath: metadata.name}}
          command: [sh, -c, "echo hello from $(POD_NAME); sleep infinity"]
`,
      );
      await k8ts("apply", "-f", join(files, "hello.yaml"));
      const pods = await waitFor(
        "3 pods Running on 3 nodes",
        async () => {
          const got = JSON.parse(
            (await k8ts("get", "pods", "-l", "app=hello", "-o", "json")).stdout,
          ) as {
            items: {
              metadata: { name: string };
              spec: { nodeName?: string };
              status?: { phase?: string };
            }[];
          };
          const running = got.items.filter((p) => p.status?.phase === "Running");
          return running.length === 3 && new Set(running.map((p) => p.spec.nodeName)).size === 3
            ? running
            : undefined;
        },
        30_000,
      );
      const name = pods[0]?.metadata.name ?? "";
      const logs = await k8ts("logs", name);
      expect(logs.stdout).toBe(`hello from ${name}\n`);
      const exec = await k8ts("exec", name, "--", "echo", "hi");
      expect(exec.stdout).toBe("hi\n");
    } finally {
      expect(await stopUp(up)).toBe(0);
    }
  });

  it("restarts a component that crashes", async () => {
    const up = await startUp();
    try {
      const logs = await readFile(join(dir, "cluster", "logs", "apiserver.log"), "utf8");
      const lines = logs.trim().split("\n");
      const pid = (JSON.parse(lines[lines.length - 1] ?? "{}") as { pid?: number }).pid;
      expect(alive(pid)).toBe(true);
      if (pid !== undefined) process.kill(pid, "SIGKILL");
      await waitFor(
        "the apiserver to come back",
        () => (up.output().includes("apiserver is back") ? true : undefined),
        20_000,
      );
      expect(up.output()).toMatch(/apiserver exited \(SIGKILL\); restarting in 1 s/);
      const got = await k8ts("get", "ns", "blog");
      expect(got.stdout).toContain("blog");
    } finally {
      expect(await stopUp(up)).toBe(0);
    }
  });

  it("refuses a second k8ts up on the same data dir with a clear message", async () => {
    const first = await startUp();
    try {
      const other = await run(
        process.execPath,
        [
          CLI,
          "up",
          "--data-dir",
          join(dir, "cluster"),
          "--listen",
          `127.0.0.1:${await freePort()}`,
        ],
        { env },
      ).then(
        () => ({ code: 0, stderr: "" }),
        (e: { code?: number; stderr?: string }) => ({ code: e.code ?? -1, stderr: e.stderr ?? "" }),
      );
      expect(other.code).toBe(1);
      expect(other.stderr).toContain("is in use by another k8ts up");
    } finally {
      await stopUp(first);
    }
  });
});
