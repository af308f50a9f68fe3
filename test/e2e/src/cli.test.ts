// The `k8ts` command as a user runs it: the real binary, as a child process, against a
// real apiserver, with the server given by K8TS_SERVER and a config file of its own.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { ApiClient, ApiStatusError, waitFor } from "@k8ts/sdk";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import { Event } from "@k8ts/sdk/gen/k8ts/api/v1/event.js";
import { Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";

const CLI = fileURLToPath(new URL("../../../cli/dist/main.js", import.meta.url));
const BLOG = fileURLToPath(new URL("../../../examples/blog.yaml", import.meta.url));

let server: ApiServerProcess;
let client: ApiClient;
let dir: string;

beforeAll(async () => {
  server = await ApiServerProcess.start();
  client = new ApiClient({ server: server.address });
  dir = await mkdtemp(join(tmpdir(), "k8ts-cli-e2e-"));
});

afterAll(async () => {
  client.close();
  await server.dispose();
  await rm(dir, { recursive: true, force: true });
});

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function env(): NodeJS.ProcessEnv {
  return { ...process.env, K8TS_SERVER: server.address, K8TS_CONFIG: join(dir, "config") };
}

/** Runs `k8ts ARGS`, optionally with stdin, and waits for it to exit. */
function k8ts(args: readonly string[], stdin = ""): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: env() });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** The resourceVersion of every object of the blog example. */
async function blogVersions(): Promise<string[]> {
  const ns = { namespace: "blog" };
  const objects = [
    await client.kind("Namespace").get("blog"),
    await client.kind("Deployment").get("blog", ns),
    await client.kind("Service").get("blog", ns),
    await client.kind("Ingress").get("blog", ns),
  ];
  return objects.map((o) => o.metadata?.resourceVersion ?? "");
}

async function notFound(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (e) {
    if (e instanceof ApiStatusError && e.isNotFound) return true;
    throw e;
  }
}

function noStackTrace(r: Result): void {
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: blog
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: k8ts/web:1.0
`;

describe("k8ts against a real apiserver", () => {
  it("applies the blog example and says what it created", async () => {
    const r = await k8ts(["apply", "-f", BLOG]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      "namespace/blog created\n" +
        "deployment.apps/blog created\n" +
        "service/blog created\n" +
        "ingress.networking.k8s.io/blog created\n",
    );
    expect(r.code).toBe(0);
  });

  it("prints objects as YAML with their server-set metadata", async () => {
    const r = await k8ts(["get", "deploy", "-n", "blog", "-o", "yaml"]);
    expect(r.code).toBe(0);
    const list = parse(r.stdout) as {
      kind: string;
      items: { metadata: Record<string, unknown> }[];
    };
    expect(list.kind).toBe("List");
    const meta = list.items[0]?.metadata;
    expect(meta?.name).toBe("blog");
    expect(meta?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(meta?.resourceVersion).toMatch(/^\d+$/);
    expect(meta?.creationTimestamp).toBeTruthy();
    const one = await k8ts(["get", "deploy", "blog", "-n", "blog", "-o", "json"]);
    expect((JSON.parse(one.stdout) as { kind: string }).kind).toBe("Deployment");
  });

  it("applies its own output as unchanged, and the file again without writing anything", async () => {
    const before = await blogVersions();
    const yaml = (await k8ts(["get", "deploy", "-n", "blog", "-o", "yaml"])).stdout;
    const piped = await k8ts(["apply", "-f", "-"], yaml);
    expect(piped.stdout).toBe("deployment.apps/blog unchanged\n");
    expect(piped.code).toBe(0);
    const again = await k8ts(["apply", "-f", BLOG]);
    expect(again.stdout).toBe(
      "namespace/blog unchanged\n" +
        "deployment.apps/blog unchanged\n" +
        "service/blog unchanged\n" +
        "ingress.networking.k8s.io/blog unchanged\n",
    );
    expect(await blogVersions()).toEqual(before);
  });

  it("keeps replicas set by `k8ts scale` when the manifest does not set them", async () => {
    const path = await file("web.yaml", WEB);
    expect((await k8ts(["apply", "-f", path])).stdout).toBe("deployment.apps/web created\n");
    const scaled = await k8ts(["scale", "deploy", "web", "-n", "blog", "--replicas", "3"]);
    expect(scaled.stdout).toBe("deployment.apps/web scaled\n");
    expect((await k8ts(["apply", "-f", path])).stdout).toBe("deployment.apps/web unchanged\n");
    await file("web.yaml", WEB.replace("k8ts/web:1.0", "k8ts/web:1.1"));
    expect((await k8ts(["apply", "-f", path])).stdout).toBe("deployment.apps/web configured\n");
    const web = await client.kind("Deployment").get("web", { namespace: "blog" });
    expect(web.spec?.replicas).toBe(3);
    expect(web.spec?.template?.spec?.containers[0]?.image).toBe("k8ts/web:1.1");
  });

  it("writes nothing when one document is bad, and names every bad field", async () => {
    const path = await file(
      "shop.yaml",
      `apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
${WEB.replace("name: web", "name: shop").replace("namespace: blog", "namespace: shop")}---
apiVersion: apps/v1
kind: Deployment
metadata: {name: Shop-Admin, namespace: shop}
spec:
  replicas: -1
  selector: {matchLabels: {app: admin}}
  template:
    metadata: {labels: {app: admin}}
    spec:
      containers:
        - name: admin
          resources: {requests: {memory: 12 parsecs}}
`,
    );
    const r = await k8ts(["apply", "-f", path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    for (const field of [
      "metadata.name: Invalid value",
      "spec.replicas: Invalid value: -1",
      "spec.template.spec.containers[0].image: Required value",
      'spec.template.spec.containers[0].resources.requests.memory: "12 parsecs" is not a quantity',
    ])
      expect(r.stderr).toContain(`document 3 (Deployment Shop-Admin): ${field}`);
    noStackTrace(r);
    expect(await notFound(client.kind("Namespace").get("shop"))).toBe(true);
  });

  it("writes nothing when the server refuses a document, and prints every violation", async () => {
    const path = await file(
      "refused.yaml",
      `apiVersion: v1
kind: Namespace
metadata: {name: refused}
---
${WEB.replace("namespace: blog", "namespace: refused").replace("labels: {app: web}", "labels: {app: other}")}---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: refused}
spec:
  clusterIP: 1.2.3.4
  ports: [{port: 80, targetPort: http}]
`,
    );
    const r = await k8ts(["apply", "-f", path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      `Error from server (Invalid): error when creating "${path}": Deployment "web" is invalid:\n` +
        "  spec.template.metadata.labels: Invalid value",
    );
    expect(r.stderr).toContain('  spec.clusterIP: Invalid value: "1.2.3.4"');
    expect(r.stderr).toContain("nothing was applied");
    expect(await notFound(client.kind("Namespace").get("refused"))).toBe(true);
  });

  it("watches namespaces and prints one created by another client as it happens", async () => {
    const child = spawn(process.execPath, [CLI, "get", "ns", "-w"], { env: env() });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      await waitFor("the initial list", () => (/^default\s+Active/m.test(out) ? true : undefined));
      expect(out.split("\n")[0]).toMatch(/^NAME\s+STATUS\s+AGE$/);
      await client
        .kind("Namespace")
        .create(Namespace.fromPartial({ metadata: { name: "watched" } }));
      await waitFor("the new namespace's row", () =>
        /^watched\s+Active\s+\d+s$/m.test(out) ? true : undefined,
      );
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });

  it("describes a deployment with its events", async () => {
    const blog = await client.kind("Deployment").get("blog", { namespace: "blog" });
    const now = new Date();
    await client.kind("Event").create(
      Event.fromPartial({
        metadata: { name: "blog.scaled", namespace: "blog" },
        involvedObject: {
          kind: "Deployment",
          apiVersion: "apps/v1",
          name: "blog",
          namespace: "blog",
          uid: blog.metadata?.uid ?? "",
        },
        reason: "ScalingReplicaSet",
        message: "Scaled up replica set blog-7d4b9 to 2",
        source: { component: "deployment-controller" },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        type: "Normal",
      }),
    );
    const r = await k8ts(["describe", "deploy", "blog", "-n", "blog"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+blog$/m);
    expect(r.stdout).toMatch(/^Replicas:\s+2 desired \| 0 updated/m);
    expect(r.stdout).toMatch(/^\s+Image:\s+k8ts\/blog:1.0$/m);
    expect(r.stdout).toMatch(/^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n/m);
    expect(r.stdout).toMatch(
      /Normal\s+ScalingReplicaSet\s+\d+s\s+deployment-controller\s+Scaled up replica set blog-7d4b9 to 2/,
    );
    const svc = await k8ts(["describe", "svc/blog", "-n", "blog"]);
    expect(svc.stdout).toMatch(/^Events:\s+<none>$/m);
  });

  it("explains a field from the proto comments", async () => {
    const r = await k8ts(["explain", "deployment.spec.replicas"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("FIELD: replicas <integer>");
    expect(r.stdout).toContain("Number of Pods to run. Defaults to 1; 0 is allowed (scaled down).");
  });

  it("deletes, and reports a missing object as kubectl does", async () => {
    const r = await k8ts(["delete", "deploy", "web", "-n", "blog"]);
    expect(r.stdout).toBe('deployment.apps "web" deleted\n');
    expect(r.code).toBe(0);
    const gone = await k8ts(["get", "deploy", "web", "-n", "blog"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('Error from server (NotFound): deployments.apps "web" not found\n');
  });

  it("fails with the server's message and no stack trace", async () => {
    const kind = await k8ts(["get", "foo"]);
    expect(kind.code).toBe(1);
    expect(kind.stderr).toBe('error: the server doesn\'t have a resource type "foo"\n');
    const patch = await k8ts([
      "patch",
      "deploy",
      "blog",
      "-n",
      "blog",
      "-p",
      '{"spec":{"replicas":-1}}',
    ]);
    expect(patch.code).toBe(1);
    expect(patch.stderr).toBe(
      'Error from server (Invalid): Deployment "blog" is invalid:\n' +
        "  spec.replicas: Invalid value: -1: must be greater than or equal to 0\n",
    );
    const exists = await k8ts(["create", "namespace", "blog"]);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toMatch(/^Error from server \(AlreadyExists\): /);
    const down = await k8ts(["--server", "127.0.0.1:1", "get", "pods"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(
      "Unable to connect to the server at 127.0.0.1:1: is the cluster running? (k8ts up)\n",
    );
    for (const r of [kind, patch, exists, down]) noStackTrace(r);
  });

  it("lists with kubectl's columns and says when there is nothing", async () => {
    const r = await k8ts(["get", "deploy,svc", "-n", "blog"]);
    expect(r.stdout).toMatch(
      /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\ndeployment\.apps\/blog\s+0\/2\s+0\s+0\s+\d+s\n/,
    );
    expect(r.stdout).toMatch(
      /NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nservice\/blog\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP/,
    );
    const empty = await k8ts(["get", "pods"]);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe("");
    expect(empty.stderr).toBe("No resources found in default namespace.\n");
  });
});
