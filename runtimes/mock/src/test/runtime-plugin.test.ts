// The mock runtime executable over its real socket: every guarantee of runtime.proto that
// a caller relies on, the shell subset, logs, exec and images.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { status, type ServiceError } from "@grpc/grpc-js";
import { waitFor } from "@k8ts/sdk";
import {
  ContainerState,
  PodSandboxState,
  type ExecResponse,
  type LogEntry,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { containerConfig, lines, MockPlugin, readLog, sandboxConfig, sh } from "./mock-plugin.js";

let plugin: MockPlugin;

beforeAll(async () => {
  plugin = await MockPlugin.start("node-a");
  await plugin.client.pullImage("busybox:latest");
});

afterAll(async () => {
  await plugin.dispose();
});

function code(e: unknown): number | undefined {
  return (e as Partial<ServiceError>).code;
}

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error("expected the call to fail");
}

/** A ready sandbox and a started container running `command`. */
async function running(
  command: readonly string[],
  labels: Record<string, string> = {},
): Promise<{ sandboxId: string; containerId: string }> {
  const client = plugin.client;
  const config = sandboxConfig(`pod-${Math.random().toString(36).slice(2, 8)}`);
  const sandboxId = await client.runPodSandbox(config);
  const containerId = await client.createContainer(
    sandboxId,
    containerConfig("c", command, { labels }),
    config,
  );
  await client.startContainer(containerId);
  return { sandboxId, containerId };
}

async function exited(containerId: string) {
  return waitFor(`container ${containerId} to exit`, async () => {
    const s = await plugin.client.containerStatus(containerId);
    return s.state === ContainerState.CONTAINER_STATE_EXITED ? s : undefined;
  });
}

describe("version and status", () => {
  it("names the contract, the runtime and the node", async () => {
    expect(await plugin.client.version()).toEqual({
      version: "v1",
      runtimeName: "mock",
      runtimeVersion: expect.any(String) as string,
      nodeName: "node-a",
    });
    const { conditions } = await plugin.client.status();
    expect(conditions).toContainEqual(
      expect.objectContaining({ type: "RuntimeReady", status: true }),
    );
  });

  it("is described by reflection: buf curl calls it with no local schema", async () => {
    const buf = fileURLToPath(new URL("../../../../node_modules/.bin/buf", import.meta.url));
    const { stdout } = await promisify(execFile)(buf, [
      "curl",
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      "--unix-socket",
      plugin.socket,
      "-d",
      "{}",
      "http://localhost/k8ts.runtime.v1.RuntimeService/Version",
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ version: "v1", runtimeName: "mock" });
  });
});

describe("sandboxes", () => {
  it("run, status, list with filters, stop, remove", async () => {
    const client = plugin.client;
    const config = sandboxConfig("web", { app: "web", run: "s1" }, { "k8ts.io/hash": "abc" });
    const id = await client.runPodSandbox(config);
    const other = await client.runPodSandbox(sandboxConfig("db", { app: "db", run: "s1" }));

    const st = await client.podSandboxStatus(id);
    expect(st).toMatchObject({
      id,
      metadata: config.metadata,
      state: PodSandboxState.POD_SANDBOX_STATE_READY,
      netnsPath: "",
      labels: config.labels,
      annotations: config.annotations,
    });
    expect(st.createdAt).toBeGreaterThan(Date.now() * 1e6 - 60e9);

    const ids = async (filter: Parameters<typeof client.listPodSandbox>[0]) =>
      (await client.listPodSandbox(filter)).map((s) => s.id);
    const f = { id: "", state: PodSandboxState.POD_SANDBOX_STATE_UNSPECIFIED, labelSelector: {} };
    expect(await ids({ ...f, labelSelector: { run: "s1" } })).toEqual([id, other]);
    expect(await ids({ ...f, labelSelector: { run: "s1", app: "db" } })).toEqual([other]);
    expect(await ids({ ...f, id })).toEqual([id]);

    await client.stopPodSandbox(id);
    await client.stopPodSandbox(id);
    expect((await client.podSandboxStatus(id)).state).toBe(
      PodSandboxState.POD_SANDBOX_STATE_NOTREADY,
    );
    expect(
      await ids({
        ...f,
        state: PodSandboxState.POD_SANDBOX_STATE_READY,
        labelSelector: { run: "s1" },
      }),
    ).toEqual([other]);

    await client.removePodSandbox(id);
    await client.removePodSandbox(id);
    expect(code(await failure(client.podSandboxStatus(id)))).toBe(status.NOT_FOUND);
    await client.removePodSandbox(other);
  });

  it("treats unknown ids as success for stop and remove, NOT_FOUND elsewhere", async () => {
    await plugin.client.stopPodSandbox("no-such-sandbox");
    await plugin.client.removePodSandbox("no-such-sandbox");
    expect(code(await failure(plugin.client.podSandboxStatus("no-such-sandbox")))).toBe(
      status.NOT_FOUND,
    );
  });

  it("requires the pod's metadata, naming the field", async () => {
    const e = await failure(
      plugin.client.runPodSandbox({ ...sandboxConfig("x"), metadata: undefined }),
    );
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.details).toContain("config.metadata");
  });
});

describe("containers", () => {
  it("create, start, stop, remove, with labels and filters", async () => {
    const client = plugin.client;
    const config = sandboxConfig("lifecycle");
    const sandboxId = await client.runPodSandbox(config);
    const labels = { "k8ts.io/container": "app", run: "c1" };
    const annotations = { "k8ts.io/restart-count": "0" };
    const id = await client.createContainer(
      sandboxId,
      containerConfig("app", sh("sleep 3600"), { labels, annotations }),
      config,
    );
    const created = await client.containerStatus(id);
    expect(created).toMatchObject({
      id,
      metadata: { name: "app", attempt: 0 },
      state: ContainerState.CONTAINER_STATE_CREATED,
      startedAt: 0,
      finishedAt: 0,
      image: { image: "busybox:latest" },
      labels,
      annotations,
    });
    expect(created.imageRef).toMatch(/^sha256:/);

    await client.startContainer(id);
    const started = await client.containerStatus(id);
    expect(started.state).toBe(ContainerState.CONTAINER_STATE_RUNNING);
    expect(started.startedAt).toBeGreaterThanOrEqual(created.createdAt);
    const again = await failure(client.startContainer(id));
    expect(again.code).toBe(status.FAILED_PRECONDITION);

    const f = { id: "", podSandboxId: "", state: 0, labelSelector: {} };
    const listed = await client.listContainers({ ...f, podSandboxId: sandboxId });
    expect(listed).toEqual([
      expect.objectContaining({ id, podSandboxId: sandboxId, labels, annotations }),
    ]);
    expect(
      (
        await client.listContainers({
          ...f,
          state: ContainerState.CONTAINER_STATE_RUNNING,
          labelSelector: { run: "c1" },
        })
      ).map((c) => c.id),
    ).toEqual([id]);
    expect(
      await client.listContainers({
        ...f,
        state: ContainerState.CONTAINER_STATE_EXITED,
        labelSelector: { run: "c1" },
      }),
    ).toEqual([]);

    await client.stopContainer(id, 10);
    const stopped = await client.containerStatus(id);
    expect(stopped).toMatchObject({
      state: ContainerState.CONTAINER_STATE_EXITED,
      exitCode: 143,
      reason: "Error",
    });
    expect(stopped.finishedAt).toBeGreaterThanOrEqual(stopped.startedAt);
    await client.stopContainer(id, 10);

    await client.removeContainer(id);
    await client.removeContainer(id);
    expect(code(await failure(client.containerStatus(id)))).toBe(status.NOT_FOUND);
    await client.removePodSandbox(sandboxId);
  });

  it("treats unknown ids as success for stop and remove, NOT_FOUND elsewhere", async () => {
    const client = plugin.client;
    await client.stopContainer("no-such-container", 0);
    await client.removeContainer("no-such-container");
    for (const call of [
      client.containerStatus("no-such-container"),
      client.startContainer("no-such-container"),
      client.execSync("no-such-container", ["true"], 1),
      readLog(client, "no-such-container"),
    ])
      expect(code(await failure(call))).toBe(status.NOT_FOUND);
    const config = sandboxConfig("x");
    expect(
      code(
        await failure(
          client.createContainer("no-such-sandbox", containerConfig("c", ["true"]), config),
        ),
      ),
    ).toBe(status.NOT_FOUND);
  });

  it("refuses to create in a stopped sandbox, or from an image never pulled", async () => {
    const client = plugin.client;
    const config = sandboxConfig("stopped");
    const sandboxId = await client.runPodSandbox(config);
    const unpulled = await failure(
      client.createContainer(
        sandboxId,
        containerConfig("c", ["true"], { image: { image: "never-pulled:1" } }),
        config,
      ),
    );
    expect(unpulled.code).toBe(status.NOT_FOUND);
    expect(unpulled.details).toContain("never-pulled:1");
    await client.stopPodSandbox(sandboxId);
    const notReady = await failure(
      client.createContainer(sandboxId, containerConfig("c", ["true"]), config),
    );
    expect(notReady.code).toBe(status.FAILED_PRECONDITION);
    await client.removePodSandbox(sandboxId);
  });

  it("exits with the script's code: Completed for 0, Error otherwise", async () => {
    const ok = await running(["true"]);
    const three = await running(sh("exit 3"));
    const missing = await running(["nginx", "-g", "daemon off;"]);
    expect(await exited(ok.containerId)).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(await exited(three.containerId)).toMatchObject({ exitCode: 3, reason: "Error" });
    expect(await exited(missing.containerId)).toMatchObject({ exitCode: 127, reason: "Error" });
    expect(lines(await readLog(plugin.client, missing.containerId))).toEqual([
      "stderr sh: nginx: not found",
    ]);
  });

  it("exits after its sleep, at the simulated time", async () => {
    const { containerId } = await running(sh("sleep 0.3; exit 4"));
    const s = await exited(containerId);
    expect(s.exitCode).toBe(4);
    expect(Math.round((s.finishedAt - s.startedAt) / 1e6)).toBe(300);
  });

  it("kills a container that ignores SIGTERM after the stop timeout (137)", async () => {
    const { containerId } = await running(sh('trap "" TERM; sleep 3600'));
    const started = Date.now();
    await plugin.client.stopContainer(containerId, 1);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5000);
    expect(await plugin.client.containerStatus(containerId)).toMatchObject({
      state: ContainerState.CONTAINER_STATE_EXITED,
      exitCode: 137,
      reason: "Error",
    });
    const atOnce = await running(sh('trap "" TERM; sleep 3600'));
    await plugin.client.stopContainer(atOnce.containerId, 0);
    expect((await plugin.client.containerStatus(atOnce.containerId)).exitCode).toBe(137);
  });

  it("lets a script that ignores SIGTERM finish on its own within the timeout", async () => {
    const { containerId } = await running(sh('trap "" TERM; sleep 0.2; exit 0'));
    await plugin.client.stopContainer(containerId, 30);
    expect((await plugin.client.containerStatus(containerId)).exitCode).toBe(0);
  });

  it("kills every container when the sandbox stops, and removes them with it", async () => {
    const client = plugin.client;
    const { sandboxId, containerId } = await running(sh('trap "" TERM; sleep 3600'));
    await client.stopPodSandbox(sandboxId);
    expect(await client.containerStatus(containerId)).toMatchObject({
      state: ContainerState.CONTAINER_STATE_EXITED,
      exitCode: 137,
    });
    await client.removePodSandbox(sandboxId);
    expect(code(await failure(client.containerStatus(containerId)))).toBe(status.NOT_FOUND);
  });
});

describe("logs", () => {
  it("returns entries in the common format, in order", async () => {
    const { containerId } = await running(sh("echo out; echo err >&2; echo -n tail"));
    await exited(containerId);
    const entries = await readLog(plugin.client, containerId);
    expect(entries.map((e) => [e.stream, e.content.toString(), e.partial])).toEqual([
      ["stdout", "out", false],
      ["stderr", "err", false],
      ["stdout", "tail", true],
    ]);
    for (let i = 1; i < entries.length; i++)
      expect(entries[i]?.timestamp).toBeGreaterThan(entries[i - 1]?.timestamp ?? Infinity);
  });

  it("honours tail_lines and since_time", async () => {
    const { containerId } = await running(sh("echo 1; echo 2; sleep 0.05; echo 3; echo 4"));
    await exited(containerId);
    const all = await readLog(plugin.client, containerId);
    expect(lines(all)).toEqual(["stdout 1", "stdout 2", "stdout 3", "stdout 4"]);
    expect(lines(await readLog(plugin.client, containerId, { tailLines: 2 }))).toEqual([
      "stdout 3",
      "stdout 4",
    ]);
    expect(await readLog(plugin.client, containerId, { tailLines: 0 })).toEqual([]);
    const since = all[2]?.timestamp ?? 0;
    expect(lines(await readLog(plugin.client, containerId, { sinceTime: since }))).toEqual([
      "stdout 3",
      "stdout 4",
    ]);
  });

  it("follows new lines until the container exits", async () => {
    const { containerId } = await running(
      sh('trap "" TERM; echo start; while true; do echo tick; sleep 0.05; done'),
    );
    const stream = plugin.client.containerLogs({ containerId, follow: true });
    const seen: LogEntry[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on("data", (r: { entries: LogEntry[] }) => seen.push(...r.entries));
      stream.on("end", resolve);
      stream.on("error", reject);
    });
    await waitFor("three ticks", () => (seen.length >= 4 ? true : undefined));
    await plugin.client.stopContainer(containerId, 0);
    await ended;
    expect(lines(seen.slice(0, 3))).toEqual(["stdout start", "stdout tick", "stdout tick"]);
    expect(lines(seen)).toEqual(lines(await readLog(plugin.client, containerId)));
  });

  it("stops following when the caller cancels", async () => {
    const { containerId } = await running(sh("echo a; sleep 3600"));
    const stream = plugin.client.containerLogs({ containerId, follow: true });
    const first = await new Promise<LogEntry[]>((resolve) =>
      stream.once("data", (r: { entries: LogEntry[] }) => resolve(r.entries)),
    );
    expect(lines(first)).toEqual(["stdout a"]);
    const cancelled = new Promise<number | undefined>((resolve) =>
      stream.on("error", (e) => resolve(code(e))),
    );
    stream.cancel();
    expect(await cancelled).toBe(status.CANCELLED);
  });
});

describe("exec", () => {
  let containerId: string;
  beforeAll(async () => {
    ({ containerId } = await running([]));
  });

  it("ExecSync returns output and exit code", async () => {
    const r = await plugin.client.execSync(containerId, sh("echo hi; echo oops >&2; exit 4"), 5);
    expect(r.stdout.toString()).toBe("hi\n");
    expect(r.stderr.toString()).toBe("oops\n");
    expect(r.exitCode).toBe(4);
    expect((await plugin.client.execSync(containerId, ["false"], 5)).exitCode).toBe(1);
    const missing = await plugin.client.execSync(containerId, ["curl", "localhost"], 5);
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr.toString()).toBe("sh: curl: not found\n");
  });

  it("ExecSync past its timeout fails with DEADLINE_EXCEEDED", async () => {
    const started = Date.now();
    const e = await failure(plugin.client.execSync(containerId, ["sleep", "10"], 1));
    expect(e.code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("refuses a container that is not running", async () => {
    const { containerId: done } = await running(["true"]);
    await exited(done);
    expect(code(await failure(plugin.client.execSync(done, ["true"], 1)))).toBe(
      status.FAILED_PRECONDITION,
    );
  });

  it("Exec streams stdin to cat and ends with the exit code", async () => {
    const call = plugin.client.exec();
    const out: ExecResponse[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on("data", (r: ExecResponse) => out.push(r));
      call.on("end", resolve);
      call.on("error", reject);
    });
    call.write({
      request: {
        $case: "start",
        value: { containerId, cmd: ["cat"], stdin: true, tty: false, terminalSize: undefined },
      },
    });
    call.write({ request: { $case: "stdin", value: Buffer.from("hello ") } });
    call.write({ request: { $case: "stdin", value: Buffer.from("world\n") } });
    await waitFor("the echo", () =>
      out.some(
        (r) => r.response?.$case === "stdout" && r.response.value.toString().includes("world"),
      )
        ? true
        : undefined,
    );
    call.write({ request: { $case: "closeStdin", value: true } });
    await done;
    const stdout = out
      .map((r) => (r.response?.$case === "stdout" ? r.response.value.toString() : ""))
      .join("");
    expect(stdout).toBe("hello world\n");
    expect(out[out.length - 1]?.response).toEqual({ $case: "exit", value: { exitCode: 0 } });
  });

  it("Exec reports the exit code of a script", async () => {
    const call = plugin.client.exec();
    const out: ExecResponse[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on("data", (r: ExecResponse) => out.push(r));
      call.on("end", resolve);
      call.on("error", reject);
    });
    call.write({
      request: {
        $case: "start",
        value: { containerId, cmd: sh("echo e >&2; exit 7"), stdin: false, tty: false },
      },
    });
    await done;
    expect(out).toEqual([
      { response: { $case: "stderr", value: Buffer.from("e\n") } },
      { response: { $case: "exit", value: { exitCode: 7 } } },
    ]);
  });

  it("Exec must start with start", async () => {
    const call = plugin.client.exec();
    const failed = new Promise<ServiceError>((resolve) => call.on("error", resolve));
    call.on("data", () => undefined);
    call.write({ request: { $case: "stdin", value: Buffer.from("x") } });
    const e = await failed;
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.details).toContain("start");
  });
});

describe("images", () => {
  it("pulls, reports, lists and removes (idempotently)", async () => {
    const client = plugin.client;
    const ref = await client.pullImage("registry.local:5000/blog:1");
    expect(ref).toMatch(/^sha256:/);
    expect(await client.pullImage("registry.local:5000/blog:1")).toBe(ref);
    expect(await client.imageStatus("registry.local:5000/blog:1")).toEqual({
      id: ref,
      repoTags: ["registry.local:5000/blog:1"],
      size: 0,
    });
    expect((await client.listImages()).map((i) => i.id)).toContain(ref);
    await client.removeImage("registry.local:5000/blog:1");
    await client.removeImage("registry.local:5000/blog:1");
    expect(await client.imageStatus("registry.local:5000/blog:1")).toBeUndefined();
  });

  it("fails to pull images matching --missing-images with NOT_FOUND", async () => {
    const e = await failure(plugin.client.pullImage("k8ts.invalid/does-not-exist:never"));
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.details).toBe('image "k8ts.invalid/does-not-exist:never" not found');
  });

  it("treats a reference without a tag as :latest", async () => {
    expect(await plugin.client.imageStatus("busybox")).toMatchObject({
      repoTags: ["busybox:latest"],
    });
  });
});
