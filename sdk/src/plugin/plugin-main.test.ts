// runPlugin through a real plugin executable (test/fixture-plugin.ts), started as `k8ts up`
// starts plugins: flags, readiness, health, reflection of the plugin's files only, errors
// mapped at the edge, and the graceful stop on SIGTERM and on the supervisor's EOF.
import { execFile } from "node:child_process";
import { access, mkdtemp, readFile, rm } from "node:fs/promises";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { status, type ServiceError } from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ComponentProcess } from "../process/component-process.js";
import { NetworkClient } from "./network-client.js";

const execFileAsync = promisify(execFile);
const FIXTURE = fileURLToPath(new URL("./test/fixture-plugin.js", import.meta.url));
const BUF = fileURLToPath(new URL("../../../node_modules/.bin/buf", import.meta.url));

let dir: string;
const started: ComponentProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-plugin-main-"));
});

afterEach(async () => {
  for (const p of started.splice(0)) await p.dispose();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function start(name: string, args: readonly string[] = []): Promise<ComponentProcess> {
  const p = await ComponentProcess.start({
    main: FIXTURE,
    name: "fixture-plugin",
    args: [
      "--node-name",
      "node-a",
      "--socket",
      `unix://${join(dir, `${name}.sock`)}`,
      "--state-dir",
      join(dir, name),
      ...args,
    ],
  });
  started.push(p);
  return p;
}

function run(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return execFileAsync(process.execPath, [FIXTURE, ...args], { timeout: 10_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

function bufCurl(socket: string, ...args: string[]): Promise<string> {
  return execFileAsync(
    BUF,
    ["curl", "--protocol", "grpc", "--http2-prior-knowledge", "--unix-socket", socket, ...args],
    { timeout: 10_000 },
  ).then(({ stdout }) => stdout);
}

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error("expected the call to fail");
}

describe("runPlugin", () => {
  it("prints the common flags and the plugin's own on --help", async () => {
    const { code, stdout } = await run(["--help"]);
    expect(code).toBe(0);
    for (const flag of ["node-name", "socket", "state-dir", "ready-fd", "log-level", "plugin-name"])
      expect(stdout).toContain(`--${flag}`);
    expect(stdout).toContain("[$K8TS_FIXTURE_PLUGIN_STATUS_LISTEN]");
  });

  it("exits with 2 on a missing flag or a socket path too long for the kernel", async () => {
    const missing = await run(["--node-name", "a", "--socket", join(dir, "x.sock")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("k8ts-fixture-plugin: --state-dir is required");
    const long = await run([
      "--node-name",
      "a",
      "--state-dir",
      dir,
      "--socket",
      `/${"x".repeat(120)}`,
    ]);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain("at most 107");
  });

  it("reports readiness, health and /statusz, with the plugin's flags and fields", async () => {
    const p = await start("ready", ["--plugin-name", "fixture-b"]);
    expect(p.identity).toBe("node-a");
    expect(await p.status()).toEqual({
      identity: "node-a",
      synced: true,
      leading: true,
      nodeName: "node-a",
      socket: join(dir, "ready.sock"),
      pluginName: "fixture-b",
    });
    const socket = join(dir, "ready.sock");
    const health = await bufCurl(
      socket,
      "-d",
      '{"service":"k8ts.network.v1.NetworkPlugin"}',
      "http://localhost/grpc.health.v1.Health/Check",
    );
    expect(JSON.parse(health)).toEqual({ status: "SERVING" });
    const client = new NetworkClient(socket);
    try {
      expect((await client.status()).pluginName).toBe("fixture-b");
    } finally {
      client.close();
    }
  });

  it("describes its own proto files by reflection, and only those", async () => {
    await start("reflect");
    const socket = join(dir, "reflect.sock");
    expect(
      (await bufCurl(socket, "--list-services", "http://localhost")).trim().split("\n"),
    ).toEqual([
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
      "k8ts.network.v1.NetworkPlugin",
    ]);
    // Called with nothing but what reflection describes.
    const answer = await bufCurl(
      socket,
      "-d",
      "{}",
      "http://localhost/k8ts.network.v1.NetworkPlugin/Status",
    );
    expect(JSON.parse(answer)).toEqual({ ready: true, pluginName: "fixture" });
    // The rest of the API is not in the process's descriptors.
    await expect(
      bufCurl(socket, "-d", "{}", "http://localhost/k8ts.api.v1.Pods/Get"),
    ).rejects.toThrow(/failed to find service named "k8ts.api.v1.Pods"/);
  });

  it("maps known errors to their status code and the unexpected to INTERNAL", async () => {
    await start("errors");
    const client = new NetworkClient(join(dir, "errors.sock"));
    const request = {
      sandboxId: "",
      netnsPath: "",
      interfaceName: "",
      podCidrs: [],
      pod: { namespace: "default", name: "p", uid: "u" },
    };
    try {
      const invalid = await failure(client.add(request));
      expect(invalid.code).toBe(status.INVALID_ARGUMENT);
      expect(invalid.details).toBe("sandbox_id: is required");
      const unexpected = await failure(client.add({ ...request, sandboxId: "s" }));
      expect(unexpected.code).toBe(status.INTERNAL);
      expect(unexpected.details).toBe("an unexpected failure");
    } finally {
      client.close();
    }
  });

  it("stops on SIGTERM: interrupts, then closes, removes its socket, exits 0", async () => {
    const p = await start("sigterm");
    expect(await p.stop()).toBe(0);
    expect(await readFile(join(dir, "sigterm", "stops"), "utf8")).toBe("interrupt\nclose\n");
    await expect(access(join(dir, "sigterm.sock"))).rejects.toThrow(/ENOENT/);
  });

  it("stops when its supervisor's pipe closes", async () => {
    const p = await start("orphan");
    const exited = new Promise<number | null>((resolve) =>
      p.child.once("exit", (code) => resolve(code)),
    );
    (p.child.stdio[3] as Socket).destroy();
    expect(await exited).toBe(0);
    expect(await readFile(join(dir, "orphan", "stops"), "utf8")).toBe("interrupt\nclose\n");
  });

  it("refuses a socket another instance serves on, and replaces a stale one", async () => {
    await start("taken");
    await expect(start("taken")).rejects.toThrow(/another process is serving/);
    const stale = await start("stale");
    await stale.kill();
    await start("stale");
  });
});
