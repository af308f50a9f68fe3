// The command line run in-process: parsing, exit codes and messages that need no server.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bufferedIo, type BufferedIo } from "./io.js";
import { runCli } from "./program.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-cli-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; io: BufferedIo }> {
  const io = bufferedIo({ env: { K8TS_CONFIG: join(dir, "config") } });
  const code = await runCli(argv, io);
  return { code, io };
}

describe("k8ts in-process", () => {
  it("explains without a server", async () => {
    const { code, io } = await run("explain", "deployment.spec.replicas");
    expect(code).toBe(0);
    expect(io.out()).toContain("FIELD: replicas <integer>");
  });

  it("refuses unknown kinds, commands and options with exit 1 and no stack trace", async () => {
    const kind = await run("get", "foo");
    expect(kind.code).toBe(1);
    expect(kind.io.err()).toBe('error: the server doesn\'t have a resource type "foo"\n');
    const command = await run("frobnicate");
    expect(command.code).toBe(1);
    expect(command.io.err()).toContain("unknown command 'frobnicate'");
    const option = await run("get", "pods", "-o", "xml");
    expect(option.code).toBe(1);
    expect(option.io.err()).toContain('must be one of "wide", "json", "yaml", "name"');
    for (const r of [kind, command, option]) expect(r.io.err()).not.toMatch(/\n\s+at /);
  });

  it("reports every problem of a bad manifest before connecting", async () => {
    const { code, io } = await run("apply", "-f", join(dir, "missing.yaml"));
    expect(code).toBe(1);
    expect(io.err()).toBe(`error: the path "${join(dir, "missing.yaml")}" does not exist\n`);
  });

  it("manages contexts in the config file", async () => {
    expect(
      (await run("config", "set-context", "test", "--server", "127.0.0.1:7000", "-n", "blog")).code,
    ).toBe(0);
    expect(
      (await run("config", "set-context", "prod", "--server", "10.0.0.5:6443", "--token", "t"))
        .code,
    ).toBe(0);
    expect((await run("config", "use-context", "prod")).io.out()).toBe(
      'Switched to context "prod".\n',
    );
    expect((await run("config", "current-context")).io.out()).toBe("prod\n");
    expect((await run("config", "get-contexts")).io.out()).toBe(
      "CURRENT   NAME   SERVER           NAMESPACE\n" +
        "          test   127.0.0.1:7000   blog\n" +
        "*         prod   10.0.0.5:6443\n",
    );
    const missing = await run("config", "use-context", "nope");
    expect(missing.code).toBe(1);
    expect(missing.io.err()).toBe('error: context "nope" does not exist\n');
    const noServer = await run("config", "set-context", "dev");
    expect(noServer.io.err()).toBe('error: context "dev" is new: --server is required\n');
  });

  it("refuses rollout of kinds without rollouts, before connecting", async () => {
    const cases: [string[], string][] = [
      [
        ["rollout", "status", "rs/web"],
        "error: no status viewer has been implemented for ReplicaSet.apps\n",
      ],
      [
        ["rollout", "history", "svc", "web"],
        'error: no history viewer has been implemented for "Service"\n',
      ],
      [["rollout", "undo", "pod/web"], 'error: no rollbacker has been implemented for "Pod"\n'],
      [["rollout", "pause", "rs/web"], 'error: replicasets.apps "web" pausing is not supported\n'],
      [["rollout", "restart", "ns/web"], 'error: namespaces "web" restarting is not supported\n'],
      [
        ["rollout", "resume", "deployment"],
        "error: resource(s) were provided, but no name was specified\n",
      ],
      [
        ["rollout", "status", "deploy/a", "deploy/b"],
        "error: rollout status is only supported on individual resources and resource collections - 2 resources were found\n",
      ],
      [["rollout", "status", "foo/web"], 'error: the server doesn\'t have a resource type "foo"\n'],
    ];
    for (const [argv, err] of cases) {
      const r = await run(...argv);
      expect(r.io.err()).toBe(err);
      expect(r.code).toBe(1);
    }
    const timeout = await run("rollout", "status", "deploy/web", "--timeout", "soon");
    expect(timeout.code).toBe(1);
    expect(timeout.io.err()).toContain("--timeout must be a duration such as 30s, 5m or 1h");
    const watch = await run("rollout", "status", "deploy/web", "--watch=maybe");
    expect(watch.io.err()).toContain("--watch must be true or false");
  });

  it("refuses bad set image arguments before connecting", async () => {
    const cases: [string[], string][] = [
      [["set", "image", "deploy/web"], "error: at least one image update is required\n"],
      [
        ["set", "image", "svc/web", "web=a:1"],
        'error: services "web": the object is not a pod or does not have a pod template\n',
      ],
      [["set", "image", "deploy/web", "web="], "error: invalid image format: web=\n"],
    ];
    for (const [argv, err] of cases) {
      const r = await run(...argv);
      expect(r.io.err()).toBe(err);
      expect(r.code).toBe(1);
    }
  });

  it("reads kinds qualified with their group", async () => {
    // The kind resolves (deployments.apps), so the command gets as far as the server.
    const r = await run("--server", "127.0.0.1:1", "rollout", "history", "deployments.apps/web");
    expect(r.io.err()).toContain("Unable to connect to the server at 127.0.0.1:1");
    const wrong = await run("rollout", "history", "deployments.networking.k8s.io/web");
    expect(wrong.io.err()).toBe(
      'error: the server doesn\'t have a resource type "deployments.networking.k8s.io"\n',
    );
  });

  it("prints help with exit 0", async () => {
    const { code, io } = await run("get", "--help");
    expect(code).toBe(0);
    expect(io.out()).toContain("Usage: k8ts get");
  });
});
