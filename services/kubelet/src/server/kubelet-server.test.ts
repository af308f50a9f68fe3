// The kubelet's Logs/Exec server, started as the kubelet starts it, with an in-test pod
// locator and a real RuntimeClient against the mock runtime plugin (its containers run
// the mock's shell subset), called over gRPC as the apiserver calls it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  credentials,
  Metadata,
  status,
  type ClientDuplexStream,
  type ServiceError,
} from "@grpc/grpc-js";
import { PluginProcess, RuntimeClient, silentLogger } from "@k8ts/sdk";
import type {
  PodExecRequest,
  PodExecResponse,
  PodLogsRequest,
} from "@k8ts/sdk/gen/k8ts/api/v1/pod_subresources.js";
import { KubeletClient } from "@k8ts/sdk/gen/k8ts/kubelet/v1/kubelet.js";
import {
  ContainerConfig,
  ContainerState,
  PodSandboxConfig,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeletServer } from "./kubelet-server.js";
import {
  ContainerChoiceError,
  ContainerNotFoundError,
  type LocatedContainer,
  type PodLocator,
} from "./pod-locator.js";

const MOCK_MAIN = fileURLToPath(import.meta.resolve("@k8ts/runtime-mock/main"));
const TOKEN = "kubelet-client-token";
const SANDBOX = PodSandboxConfig.fromPartial({
  metadata: { name: "p", uid: "u1", namespace: "default", attempt: 0 },
  hostname: "p",
});

let dir: string;
let plugin: PluginProcess;
let runtime: RuntimeClient;
let server: KubeletServer;
let client: KubeletClient;
let address: string;

/** Containers by `name/container/previous` of pod default/NAME. */
const located = new Map<string, LocatedContainer>();
const locator: PodLocator = {
  locate(namespace, name, container, previous) {
    if (namespace !== "default") throw new ContainerNotFoundError(`pod "${name}" not on this node`);
    if (name === "multi" && container === "")
      throw new ContainerChoiceError(
        "a container name must be specified for pod multi, choose one of: [a b]",
      );
    const c = located.get(`${name}/${container}/${previous}`);
    if (c === undefined)
      throw new ContainerNotFoundError(
        previous
          ? `previous terminated container "${container}" in pod "${name}" not found`
          : `container "${container}" in pod "${name}" not found`,
      );
    return c;
  },
};

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last error: ${String(last)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function auth(token = TOKEN): Metadata {
  const md = new Metadata();
  if (token !== "") md.set("authorization", `Bearer ${token}`);
  return md;
}

function logsRequest(name: string, more: Partial<PodLogsRequest> = {}): PodLogsRequest {
  return {
    namespace: "default",
    name,
    container: "app",
    follow: false,
    previous: false,
    timestamps: false,
    ...more,
  };
}

function readLogs(req: PodLogsRequest, metadata = auth()): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const call = client.logs(req, metadata);
    call.on("data", (c: { data: Buffer }) => chunks.push(c.data));
    call.on("error", reject);
    call.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error("the call succeeded");
}

interface ExecResult {
  stdout: string;
  stderr: string;
  exit?: number;
  error?: { code: number; message: string };
}

function exec(
  messages: PodExecRequest[],
  onOpen?: (call: ClientDuplexStream<PodExecRequest, PodExecResponse>, seen: ExecResult) => void,
  metadata = auth(),
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const result: ExecResult = { stdout: "", stderr: "" };
    const call = client.exec(metadata);
    call.on("data", (m: PodExecResponse) => {
      const r = m.response;
      if (r?.$case === "stdout") result.stdout += r.value.toString("utf8");
      if (r?.$case === "stderr") result.stderr += r.value.toString("utf8");
      if (r?.$case === "exit") result.exit = r.value.exitCode;
      if (r?.$case === "error") result.error = { code: r.value.code, message: r.value.message };
    });
    call.on("error", reject);
    call.on("end", () => resolve(result));
    for (const m of messages) call.write(m);
    onOpen?.(call, result);
  });
}

function start(name: string, command: string[], stdin = false): PodExecRequest {
  return {
    request: {
      $case: "start",
      value: { namespace: "default", name, container: "app", command, stdin, tty: false },
    },
  };
}

/** Runs a container in the sandbox; registers it with the locator as pod NAME's "app". */
async function runContainer(
  sandbox: string,
  pod: string,
  command: string[],
  options: { attempt?: number; previous?: boolean; exited?: boolean } = {},
): Promise<string> {
  const id = await runtime.createContainer(
    sandbox,
    ContainerConfig.fromPartial({
      metadata: { name: `${pod}-app`, attempt: options.attempt ?? 0 },
      image: { image: "busybox" },
      command,
    }),
    SANDBOX,
  );
  await runtime.startContainer(id);
  if (options.exited === true)
    await waitFor(`${pod} to exit`, async () =>
      (await runtime.containerStatus(id)).state === ContainerState.CONTAINER_STATE_EXITED
        ? true
        : undefined,
    );
  located.set(`${pod}/app/${options.previous === true}`, {
    containerId: id,
    containerName: "app",
    running: options.exited !== true,
  });
  return id;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-kubelet-api-"));
  plugin = await PluginProcess.start({
    command: [process.execPath, MOCK_MAIN],
    nodeName: "n1",
    socket: join(dir, "runtime.sock"),
    stateDir: join(dir, "runtime-state"),
    logFile: join(dir, "runtime.log"),
  });
  runtime = new RuntimeClient(plugin.endpoint);
  await waitFor("the runtime to answer Version", () => runtime.version());
  await runtime.pullImage("busybox");
  const sandbox = await runtime.runPodSandbox(SANDBOX);
  await runContainer(sandbox, "web", [
    "sh",
    "-c",
    "echo one; echo two >&2; echo three; sleep infinity",
  ]);
  await runContainer(sandbox, "restarted", ["sh", "-c", "echo before restart; exit 1"], {
    previous: true,
    exited: true,
  });
  await runContainer(sandbox, "restarted", ["sh", "-c", "echo after restart; sleep infinity"], {
    attempt: 1,
  });
  await runContainer(sandbox, "ticker", ["sh", "-c", "while true; do echo tick; sleep 0.05; done"]);
  await runContainer(sandbox, "brief", ["sh", "-c", "echo first; sleep 0.3; echo last"]);
  await runContainer(sandbox, "done", ["sh", "-c", "echo bye"], { exited: true });
  located.set("ghost/app/false", {
    containerId: "no-such-container",
    containerName: "app",
    running: true,
  });

  server = new KubeletServer({ locator, runtime, tokens: new Set([TOKEN]), logger: silentLogger });
  address = await server.start("127.0.0.1:0");
  client = new KubeletClient(address, credentials.createInsecure());
});

afterAll(async () => {
  client.close();
  await server.stop();
  runtime.close();
  await plugin.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("Kubelet.Logs", () => {
  it("prints each entry and a newline, stdout and stderr in order", async () => {
    const text = await waitFor("three lines", async () => {
      const t = await readLogs(logsRequest("web"));
      return t.split("\n").length > 3 ? t : undefined;
    });
    expect(text).toBe("one\ntwo\nthree\n");
  });

  it("prefixes RFC3339Nano timestamps, keeps the tail, stops at the byte limit", async () => {
    const stamped = await readLogs(logsRequest("web", { timestamps: true }));
    const lines = stamped.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    for (const [i, word] of ["one", "two", "three"].entries())
      expect(lines[i]).toMatch(
        new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,9})?Z ${word}$`),
      );
    expect(await readLogs(logsRequest("web", { tailLines: 1 }))).toBe("three\n");
    expect(await readLogs(logsRequest("web", { limitBytes: 5 }))).toBe("one\nt");
    expect(await readLogs(logsRequest("web", { sinceSeconds: 3600 }))).toBe("one\ntwo\nthree\n");
  });

  it("reads the previous run through the locator", async () => {
    expect(await readLogs(logsRequest("restarted", { previous: true }))).toBe("before restart\n");
    await waitFor("the current run's output", async () =>
      (await readLogs(logsRequest("restarted"))) === "after restart\n" ? true : undefined,
    );
  });

  it("follows until the container exits, and until the client cancels", async () => {
    expect(await readLogs(logsRequest("brief", { follow: true }))).toBe("first\nlast\n");
    const call = client.logs(logsRequest("ticker", { follow: true }), auth());
    let text = "";
    call.on("data", (c: { data: Buffer }) => (text += c.data.toString("utf8")));
    const ended = new Promise<ServiceError>((resolve) => call.on("error", resolve));
    await waitFor("ticks", () => (text.split("tick\n").length > 4 ? true : undefined));
    call.cancel();
    expect((await ended).code).toBe(status.CANCELLED);
    // Follow with a byte limit ends by itself.
    expect(await readLogs(logsRequest("ticker", { follow: true, limitBytes: 12 }))).toBe(
      "tick\ntick\nti",
    );
  });

  it("maps the locator's errors and passes the runtime's through", async () => {
    const missing = await failure(readLogs(logsRequest("nope")));
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.details).toBe('container "app" in pod "nope" not found');
    const noPrevious = await failure(readLogs(logsRequest("web", { previous: true })));
    expect(noPrevious.code).toBe(status.NOT_FOUND);
    const choice = await failure(readLogs(logsRequest("multi", { container: "" })));
    expect(choice.code).toBe(status.INVALID_ARGUMENT);
    expect(choice.details).toContain("choose one of");
    const ghost = await failure(readLogs(logsRequest("ghost")));
    expect(ghost.code).toBe(status.NOT_FOUND);
    const invalid = await failure(readLogs(logsRequest("", { tailLines: -1 })));
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
    expect(invalid.details).toContain("name: Required value");
  });
});

describe("Kubelet.Exec", () => {
  it("returns stdout, stderr and the exit code", async () => {
    expect(await exec([start("web", ["echo", "hello"])])).toEqual({
      stdout: "hello\n",
      stderr: "",
      exit: 0,
    });
    const r = await exec([start("web", ["sh", "-c", "echo out; echo err >&2; exit 3"])]);
    expect(r).toEqual({ stdout: "out\n", stderr: "err\n", exit: 3 });
    const unknown = await exec([start("web", ["frobnicate"])]);
    expect(unknown.exit).toBe(127);
  });

  it("pipes stdin to cat until close_stdin", async () => {
    const r = await exec(
      [start("web", ["cat"], true), { request: { $case: "stdin", value: Buffer.from("ping\n") } }],
      (call, seen) => {
        void waitFor("the echo", () => (seen.stdout === "ping\n" ? true : undefined)).then(() => {
          call.write({ request: { $case: "stdin", value: Buffer.from("pong\n") } });
          call.write({ request: { $case: "closeStdin", value: true } });
        });
      },
    );
    expect(r).toEqual({ stdout: "ping\npong\n", stderr: "", exit: 0 });
  });

  it("refuses a stopped container, and a stream without start first", async () => {
    const stopped = await failure(exec([start("done", ["echo"])]));
    expect(stopped.code).toBe(status.FAILED_PRECONDITION);
    expect(stopped.details).toBe("container app is not running");
    const noStart = await failure(exec([{ request: { $case: "stdin", value: Buffer.from("x") } }]));
    expect(noStart.code).toBe(status.INVALID_ARGUMENT);
    const empty = await failure(exec([], (call) => call.end()));
    expect(empty.code).toBe(status.INVALID_ARGUMENT);
    const missing = await failure(exec([start("nope", ["echo"])]));
    expect(missing.code).toBe(status.NOT_FOUND);
  });

  it("answers a second start with an error message", async () => {
    const r = await exec([start("web", ["cat"], true), start("web", ["cat"], true)]);
    expect(r.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(r.exit).toBeUndefined();
  });
});

describe("client tokens", () => {
  it("refuses calls without an accepted bearer token", async () => {
    for (const token of ["", "wrong"]) {
      const logs = await failure(readLogs(logsRequest("web"), auth(token)));
      expect(logs.code).toBe(status.UNAUTHENTICATED);
      const ex = await failure(exec([start("web", ["echo"])], undefined, auth(token)));
      expect(ex.code).toBe(status.UNAUTHENTICATED);
    }
  });
});

describe("stopping, and a runtime that goes away", () => {
  it("ends open Logs and Exec streams with UNAVAILABLE when it stops", async () => {
    const second = new KubeletServer({ locator, runtime, logger: silentLogger });
    const other = new KubeletClient(
      await second.start("127.0.0.1:0"),
      credentials.createInsecure(),
    );
    try {
      const logs = other.logs(logsRequest("ticker", { follow: true }), new Metadata());
      let ticks = "";
      logs.on("data", (c: { data: Buffer }) => (ticks += c.data.toString("utf8")));
      const logsEnded = new Promise<ServiceError>((resolve) => logs.on("error", resolve));
      const session = other.exec(new Metadata());
      let echoed = "";
      let error: { code: number; message: string } | undefined;
      session.on("data", (m: PodExecResponse) => {
        if (m.response?.$case === "stdout") echoed += m.response.value.toString("utf8");
        if (m.response?.$case === "error") error = m.response.value;
      });
      const sessionEnded = new Promise<void>((resolve, reject) => {
        session.on("end", resolve);
        session.on("error", reject);
      });
      session.write(start("web", ["cat"], true));
      session.write({ request: { $case: "stdin", value: Buffer.from("x") } });
      await waitFor("both streams to flow", () =>
        ticks !== "" && echoed === "x" ? true : undefined,
      );
      const began = Date.now();
      await second.stop();
      expect(Date.now() - began).toBeLessThan(4_000);
      const e = await logsEnded;
      expect(e.code).toBe(status.UNAVAILABLE);
      expect(e.details).toBe("the kubelet is shutting down");
      await sessionEnded;
      expect(error?.code).toBe(status.UNAVAILABLE);
    } finally {
      other.close();
    }
  });

  it("turns a runtime stream that breaks into an error message", async () => {
    const r = await exec([start("web", ["cat"], true)], (call, seen) => {
      call.write({ request: { $case: "stdin", value: Buffer.from(".") } });
      void waitFor("the session to reach the runtime", () =>
        seen.stdout === "." ? true : undefined,
      ).then(() => plugin.kill());
    });
    expect(r.exit).toBeUndefined();
    expect(r.error?.code).toBe(status.UNAVAILABLE);
  });
});
