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

  it("prints help with exit 0", async () => {
    const { code, io } = await run("get", "--help");
    expect(code).toBe(0);
    expect(io.out()).toContain("Usage: k8ts get");
  });
});
