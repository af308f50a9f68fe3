// `k8ts logs` and `k8ts exec` in-process against a real apiserver and a fake kubelet that
// a Node publishes: what is sent, what is printed, exit codes and kubectl's messages.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import {
  createPod,
  FakeKubelet,
  publishKubelet,
  type SeenCall,
} from "@k8ts/apiserver/testing/fake-kubelet";
import { ApiClient } from "@k8ts/sdk";
import type { PodExecRequest, PodLogsRequest } from "@k8ts/sdk/gen/k8ts/api/v1/pod_subresources.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufferedIo, type BufferedIo, type Terminal, type TerminalSize } from "../io.js";
import { runCli } from "../program.js";

let dir: string;
let apiserver: ApiServerProcess;
let api: ApiClient;
let kubelet: FakeKubelet;

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function cliIo(options: Parameters<typeof bufferedIo>[0] = {}): BufferedIo {
  return bufferedIo({
    env: { K8TS_CONFIG: join(dir, "config"), K8TS_SERVER: apiserver.address },
    ...options,
  });
}

async function run(
  argv: string[],
  options: Parameters<typeof bufferedIo>[0] = {},
): Promise<{ code: number; io: BufferedIo }> {
  const io = cliIo(options);
  const code = await runCli(argv, io);
  return { code, io };
}

function lastCall(): SeenCall {
  const call = kubelet.calls.at(-1);
  if (call === undefined) throw new Error("the kubelet was not called");
  return call;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-cli-logs-"));
  kubelet = await FakeKubelet.start();
  apiserver = await ApiServerProcess.start();
  api = new ApiClient({ server: apiserver.address });
  await publishKubelet(api, "n1", kubelet.port);
  await createPod(api, "default", "web", "n1");
  await createPod(api, "default", "duo", "n1", ["main", "sidecar"]);
  await createPod(api, "default", "pending", "");
});

afterAll(async () => {
  api.close();
  kubelet.stop();
  await apiserver.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("k8ts logs", () => {
  it("prints the log and sends every option", async () => {
    const { code, io } = await run([
      "logs",
      "pod/web",
      "--timestamps",
      "-p",
      "--tail",
      "5",
      "--since",
      "90s",
      "--limit-bytes",
      "1000",
    ]);
    expect(io.err()).toBe("");
    expect(code).toBe(0);
    expect(io.out()).toBe(
      "logs default/web container=app follow=false previous=true timestamps=true tail=5 since=90 limit=1000\nline 1\nline 2\nline 3\n",
    );
    const req = lastCall().request as PodLogsRequest;
    expect(req).toMatchObject({ namespace: "default", name: "web", container: "app" });
  });

  it("defaults to the first of several containers, saying so, and checks -c", async () => {
    const first = await run(["logs", "duo"]);
    expect(first.code).toBe(0);
    expect(first.io.err()).toBe('Defaulted container "main" out of: main, sidecar\n');
    const named = await run(["logs", "duo", "-c", "sidecar"]);
    expect(named.io.out()).toContain("container=sidecar");
    const wrong = await run(["logs", "duo", "-c", "nope"]);
    expect(wrong.code).toBe(1);
    expect(wrong.io.err()).toBe("error: container nope is not valid for pod duo\n");
  });

  it("follows until interrupted, then exits 0", async () => {
    const stop = new AbortController();
    const io = cliIo({ signal: stop.signal });
    const running = runCli(["logs", "web", "-f"], io);
    await waitFor("followed lines", () => io.out().includes("line 5\n"));
    const call = lastCall();
    expect((call.request as PodLogsRequest).follow).toBe(true);
    stop.abort();
    expect(await running).toBe(0);
    await waitFor("the kubelet call to be cancelled", () => call.cancelled);
  });

  it("words failures as kubectl does", async () => {
    const missing = await run(["logs", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.io.err()).toBe('Error from server (NotFound): pods "nope" not found\n');
    const unbound = await run(["logs", "pending"]);
    expect(unbound.code).toBe(1);
    expect(unbound.io.err()).toBe(
      'Error from server (BadRequest): pod "pending" is not scheduled to a node yet\n',
    );
    const kind = await run(["logs", "deploy/web"]);
    expect(kind.io.err()).toBe(
      'error: cannot get logs for deployments.apps "web": only pods are supported\n',
    );
    const tail = await run(["logs", "web", "--tail", "-2"]);
    expect(tail.code).toBe(1);
    expect(tail.io.err()).toContain("--tail must be -1 (all) or a non-negative integer");
  });
});

class FakeTerminal implements Terminal {
  raw: boolean[] = [];
  current: TerminalSize = { width: 80, height: 24 };
  private listeners: (() => void)[] = [];
  size(): TerminalSize {
    return this.current;
  }
  onResize(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
  setRaw(raw: boolean): void {
    this.raw.push(raw);
  }
  resize(size: TerminalSize): void {
    this.current = size;
    for (const l of this.listeners) l();
  }
}

describe("k8ts exec", () => {
  it("prints the command's output and exits 0", async () => {
    const { code, io } = await run(["exec", "web", "--", "echo", "hello", "-n"]);
    expect(code).toBe(0);
    expect(io.out()).toBe("hello -n\n");
    expect(io.err()).toBe("start default/web container=app tty=false stdin=false size=\n");
  });

  it("exits with the command's exit code, as kubectl says", async () => {
    const { code, io } = await run(["exec", "web", "--", "fail-to-stderr"]);
    expect(code).toBe(3);
    expect(io.err()).toContain("oops\ncommand terminated with exit code 3\n");
  });

  it("forwards stdin with -i and closes it at EOF", async () => {
    const input = new PassThrough();
    const running = run(["exec", "-i", "web", "--", "cat"], { input });
    input.write("one\n");
    input.end("two\n");
    const { code, io } = await running;
    expect(code).toBe(0);
    expect(io.out()).toBe("one\ntwo\n");
    expect(io.err()).toContain("stdin=true");
    expect(input.destroyed).toBe(true);
  });

  it("with -it on a terminal: raw mode, its size, and resizes", async () => {
    const input = new PassThrough();
    const terminal = new FakeTerminal();
    const running = run(["exec", "-it", "web", "--", "cat"], { input, terminal });
    await waitFor("the exec to start", () => terminal.raw.length === 1);
    terminal.resize({ width: 120, height: 50 });
    await waitFor("the kubelet to see the start", () => lastCall().request !== undefined);
    input.end("typed\n");
    const { code, io } = await running;
    expect(code).toBe(0);
    expect(io.out()).toBe("typed\n");
    expect(io.err()).toBe(
      "start default/web container=app tty=true stdin=true size=80x24\nresize 120x50\n",
    );
    expect(terminal.raw).toEqual([true, false]);
    const start = (lastCall().request as PodExecRequest).request;
    expect(start?.$case === "start" && start.value.tty).toBe(true);
  });

  it("without a terminal, -t is dropped with kubectl's warning", async () => {
    const { code, io } = await run(["exec", "-it", "web", "--", "cat"], {
      input: new PassThrough().end(),
    });
    expect(code).toBe(0);
    expect(io.err()).toBe(
      "Unable to use a TTY - input is not a terminal or the right kind of file\nstart default/web container=app tty=false stdin=true size=\n",
    );
  });

  it("prints an error message of the stream and exits 1", async () => {
    const { code, io } = await run(["exec", "web", "--", "broken"]);
    expect(code).toBe(1);
    expect(io.err()).toContain("error: the container stopped\n");
  });

  it("refuses a command without --, or none, before connecting", async () => {
    const noDash = await run(["exec", "web", "ls"]);
    expect(noDash.code).toBe(1);
    expect(noDash.io.err()).toBe(
      "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\nSee 'k8ts exec -h' for help and examples\n",
    );
    const none = await run(["exec", "web"]);
    expect(none.io.err()).toBe("error: you must specify at least one command for the container\n");
    const noPod = await run(["exec"]);
    expect(noPod.io.err()).toBe("error: pod, type/name or --filename must be specified\n");
  });

  it("words server failures as kubectl does", async () => {
    const missing = await run(["exec", "nope", "--", "ls"]);
    expect(missing.io.err()).toBe('Error from server (NotFound): pods "nope" not found\n');
    const refused = await run(["exec", "web", "--", "refuse"]);
    expect(refused.code).toBe(1);
    expect(refused.io.err()).toContain('Error from server (NotFound): container "x" not found\n');
    const wrong = await run(["exec", "duo", "-c", "nope", "--", "ls"]);
    expect(wrong.io.err()).toBe(
      "error: container nope is not valid for pod duo out of: main, sidecar\n",
    );
  });
});
