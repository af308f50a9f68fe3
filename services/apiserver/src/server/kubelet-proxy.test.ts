// Pods.Logs and Pods.Exec through a real apiserver process to a fake kubelet published by
// a Node: bytes and messages both ways, the kubelet token, cancellation, and the errors
// the proxy itself answers.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  credentials,
  Metadata,
  status,
  type ClientDuplexStream,
  type ServiceError,
} from "@grpc/grpc-js";
import { ApiClient } from "@k8ts/sdk";
import { PodsClient } from "@k8ts/sdk/gen/k8ts/api/v1/pod_service.js";
import type {
  PodExecRequest,
  PodExecResponse,
  PodLogsRequest,
} from "@k8ts/sdk/gen/k8ts/api/v1/pod_subresources.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiServerProcess } from "../testing/apiserver-process.js";
import { createPod, FakeKubelet, publishKubelet } from "../testing/fake-kubelet.js";

let tokenDir: string;
let apiserver: ApiServerProcess;
let api: ApiClient;
let pods: PodsClient;
let kubelet: FakeKubelet;

async function waitFor<T>(
  what: string,
  check: () => T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function logsRequest(partial: Partial<PodLogsRequest>): PodLogsRequest {
  return {
    namespace: "",
    name: "",
    container: "",
    follow: false,
    previous: false,
    timestamps: false,
    ...partial,
  };
}

/** The whole log, or the call's error. */
function readLogs(req: PodLogsRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const call = pods.logs(req);
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

/** Runs an exec: sends `messages` after start; resolves with what came back. */
function exec(
  messages: PodExecRequest[],
  onOpen?: (call: ClientDuplexStream<PodExecRequest, PodExecResponse>) => void,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const result: ExecResult = { stdout: "", stderr: "" };
    const call = pods.exec();
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
    onOpen?.(call);
  });
}

function start(
  command: string[],
  more: Partial<{ name: string; stdin: boolean; tty: boolean }> = {},
): PodExecRequest {
  return {
    request: {
      $case: "start",
      value: {
        namespace: "",
        name: more.name ?? "web",
        container: "",
        command,
        stdin: more.stdin ?? false,
        tty: more.tty ?? false,
        terminalSize: more.tty === true ? { width: 80, height: 24 } : undefined,
      },
    },
  };
}

beforeAll(async () => {
  kubelet = await FakeKubelet.start();
  tokenDir = await mkdtemp(join(tmpdir(), "k8ts-kubelet-token-"));
  const tokenFile = join(tokenDir, "kubelet-token");
  await writeFile(tokenFile, "# the kubelets' token\nkubelet-secret\n");
  apiserver = await ApiServerProcess.start({ args: ["--kubelet-client-token-file", tokenFile] });
  api = new ApiClient({ server: apiserver.address });
  pods = new PodsClient(apiserver.address, credentials.createInsecure());
  await publishKubelet(api, "n1", kubelet.port);
  await publishKubelet(api, "n-no-endpoint", 0);
  await createPod(api, "default", "web", "n1");
  await createPod(api, "default", "pending", "");
  await createPod(api, "default", "orphan", "n-no-endpoint");
});

afterAll(async () => {
  pods.close();
  api.close();
  kubelet.stop();
  await apiserver.dispose();
  await rm(tokenDir, { recursive: true, force: true });
});

describe("Pods.Logs through the apiserver", () => {
  it("streams the kubelet's bytes with the request, its namespace filled in, and the kubelet token", async () => {
    const text = await readLogs(logsRequest({ name: "web", timestamps: true, tailLines: 2 }));
    expect(text).toBe(
      "logs default/web container= follow=false previous=false timestamps=true tail=2 since= limit=\nline 1\nline 2\nline 3\n",
    );
    const seen = kubelet.calls.at(-1);
    expect(seen?.method).toBe("Logs");
    expect(seen?.metadata.get("authorization")).toEqual(["Bearer kubelet-secret"]);
  });

  it("follows until the client cancels, and cancels the kubelet call", async () => {
    const before = kubelet.calls.length;
    const call = pods.logs(logsRequest({ name: "web", follow: true }));
    let text = "";
    call.on("data", (c: { data: Buffer }) => (text += c.data.toString("utf8")));
    const ended = new Promise<ServiceError>((resolve) => call.on("error", resolve));
    await waitFor("line 6", () => (text.includes("line 6\n") ? true : undefined));
    call.cancel();
    expect((await ended).code).toBe(status.CANCELLED);
    await waitFor("the kubelet call to be cancelled", () =>
      kubelet.calls[before]?.cancelled === true ? true : undefined,
    );
  });

  it("answers the proxy's own errors", async () => {
    const noName = await failure(readLogs(logsRequest({ tailLines: -1 })));
    expect(noName.code).toBe(status.INVALID_ARGUMENT);
    expect(noName.details).toContain("name: Required value");
    expect(noName.details).toContain("tail_lines");
    const missing = await failure(readLogs(logsRequest({ name: "nope" })));
    expect(missing.code).toBe(status.NOT_FOUND);
    const unbound = await failure(readLogs(logsRequest({ name: "pending" })));
    expect(unbound.code).toBe(status.FAILED_PRECONDITION);
    expect(unbound.details).toBe('pod "pending" is not scheduled to a node yet');
    const noEndpoint = await failure(readLogs(logsRequest({ name: "orphan" })));
    expect(noEndpoint.code).toBe(status.UNAVAILABLE);
    expect(noEndpoint.details).toContain('node "n-no-endpoint"');
  });

  it("answers UNAVAILABLE naming the node, quickly, when the kubelet is down", async () => {
    const down = await FakeKubelet.start();
    const port = down.port;
    down.stop();
    await publishKubelet(api, "n-down", port);
    await createPod(api, "default", "stranded", "n-down");
    const began = Date.now();
    const e = await failure(readLogs(logsRequest({ name: "stranded" })));
    expect(e.code).toBe(status.UNAVAILABLE);
    expect(e.details).toContain(`cannot reach the kubelet of node "n-down" at 127.0.0.1:${port}`);
    expect(Date.now() - began).toBeLessThan(3_000);
  });
});

describe("Pods.Exec through the apiserver", () => {
  it("runs a command and returns its output and exit code", async () => {
    const r = await exec([start(["echo", "hello", "world"])]);
    expect(r).toEqual({
      stdout: "hello world\n",
      stderr: "start default/web container= tty=false stdin=false size=\n",
      exit: 0,
    });
    const seen = kubelet.calls.at(-1);
    expect(seen?.metadata.get("authorization")).toEqual(["Bearer kubelet-secret"]);
  });

  it("pipes stdin, resize and close_stdin to the kubelet", async () => {
    const r = await exec([
      start(["cat"], { stdin: true, tty: true }),
      { request: { $case: "stdin", value: Buffer.from("ping\n") } },
      { request: { $case: "resize", value: { width: 100, height: 40 } } },
      { request: { $case: "stdin", value: Buffer.from("pong\n") } },
      { request: { $case: "closeStdin", value: true } },
    ]);
    expect(r.stdout).toBe("ping\npong\n");
    expect(r.stderr).toBe(
      "start default/web container= tty=true stdin=true size=80x24\nresize 100x40\n",
    );
    expect(r.exit).toBe(0);
  });

  it("passes the kubelet's exit codes, error messages and statuses through", async () => {
    expect(await exec([start(["fail-to-stderr"])])).toMatchObject({
      stderr: expect.stringContaining("oops\n") as string,
      exit: 3,
    });
    expect((await exec([start(["broken"])])).error).toEqual({
      code: status.INTERNAL,
      message: "the container stopped",
    });
    const refused = await failure(exec([start(["refuse"])]));
    expect(refused.code).toBe(status.NOT_FOUND);
    expect(refused.details).toBe('container "x" not found');
  });

  it("refuses a stream that does not begin with start, and unbound pods", async () => {
    const noStart = await failure(exec([{ request: { $case: "stdin", value: Buffer.from("x") } }]));
    expect(noStart.code).toBe(status.INVALID_ARGUMENT);
    expect(noStart.details).toContain("start");
    const empty = await failure(exec([], (call) => call.end()));
    expect(empty.code).toBe(status.INVALID_ARGUMENT);
    const noCommand = await failure(exec([start([])]));
    expect(noCommand.details).toContain("start.command: Required value");
    const unbound = await failure(exec([start(["echo"], { name: "pending" })]));
    expect(unbound.code).toBe(status.FAILED_PRECONDITION);
  });

  it("cancels the kubelet call when the client cancels", async () => {
    const before = kubelet.calls.length;
    const e = await failure(
      exec([start(["cat"], { stdin: true })], (call) => {
        void waitFor("the kubelet to see the exec", () =>
          kubelet.calls.length > before ? true : undefined,
        ).then(() => call.cancel());
      }),
    );
    expect(e.code).toBe(status.CANCELLED);
    await waitFor("the kubelet call to be cancelled", () =>
      kubelet.calls[before]?.cancelled === true ? true : undefined,
    );
  });
});

describe("stopping the apiserver", () => {
  it("ends open streams with UNAVAILABLE and exits cleanly", async () => {
    const call = pods.logs(logsRequest({ name: "web", follow: true }), new Metadata());
    let text = "";
    call.on("data", (c: { data: Buffer }) => (text += c.data.toString("utf8")));
    const ended = new Promise<ServiceError>((resolve) => call.on("error", resolve));
    await waitFor("following", () => (text.includes("line 4\n") ? true : undefined));
    const began = Date.now();
    expect(await apiserver.stop()).toBe(0);
    expect(Date.now() - began).toBeLessThan(4_000);
    expect((await ended).code).toBe(status.UNAVAILABLE);
  });
});
