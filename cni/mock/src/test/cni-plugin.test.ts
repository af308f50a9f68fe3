// The mock network plugin executable over its real socket.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { status, type ServiceError } from "@grpc/grpc-js";
import { ComponentProcess, NetworkClient } from "@k8ts/sdk";
import type { AddRequest } from "@k8ts/sdk/gen/k8ts/network/v1/network.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));

let dir: string;
let plugin: ComponentProcess;
let client: NetworkClient;

function start(nodeName = "node-a", stateDir = join(dir, "state")): Promise<ComponentProcess> {
  return ComponentProcess.start({
    main: MAIN,
    name: "cni-mock",
    args: ["--node-name", nodeName, "--socket", join(dir, "cni.sock"), "--state-dir", stateDir],
  });
}

async function restart(kill = false): Promise<void> {
  client.close();
  if (kill) await plugin.kill();
  else expect(await plugin.stop()).toBe(0);
  await plugin.dispose();
  plugin = await start();
  client = new NetworkClient(join(dir, "cni.sock"));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-cni-mock-"));
  plugin = await start();
  client = new NetworkClient(join(dir, "cni.sock"));
});

afterAll(async () => {
  client.close();
  await plugin.dispose();
  await rm(dir, { recursive: true, force: true });
});

function add(sandboxId: string, podCidrs = ["10.244.1.0/24"], interfaceName = ""): AddRequest {
  return {
    sandboxId,
    netnsPath: "",
    interfaceName,
    pod: { namespace: "default", name: sandboxId, uid: `uid-${sandboxId}` },
    podCidrs,
  };
}

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (e) {
    return e as ServiceError;
  }
  throw new Error("expected the call to fail");
}

describe("mock network plugin", () => {
  it("is ready", async () => {
    expect(await client.status()).toEqual({
      ready: true,
      reason: "",
      message: "",
      pluginName: "mock",
    });
  });

  it("is described by reflection: buf curl calls it with no local schema", async () => {
    const buf = fileURLToPath(new URL("../../../../node_modules/.bin/buf", import.meta.url));
    const { stdout } = await promisify(execFile)(buf, [
      "curl",
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      "--unix-socket",
      join(dir, "cni.sock"),
      "-d",
      "{}",
      "http://localhost/k8ts.network.v1.NetworkPlugin/Status",
    ]);
    expect(JSON.parse(stdout)).toEqual({ ready: true, pluginName: "mock" });
  });

  it("hands out the next address, with gateway and default route, idempotently", async () => {
    const first = await client.add(add("s1"));
    expect(first).toEqual({
      interfaces: [{ name: "eth0", mac: "", sandbox: "" }],
      ips: [{ address: "10.244.1.2/24", gateway: "10.244.1.1", interface: 0 }],
      routes: [{ dst: "0.0.0.0/0", gw: "10.244.1.1" }],
    });
    expect(await client.add(add("s1"))).toEqual(first);
    const second = await client.add(add("s2", ["10.244.1.0/24"], "net1"));
    expect(second.ips[0]?.address).toBe("10.244.1.3/24");
    expect(second.interfaces[0]?.name).toBe("net1");
    await client.check({ sandboxId: "s1", netnsPath: "", interfaceName: "eth0", pod: undefined });
  });

  it("never gives two concurrent Adds the same address", async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => client.add(add(`c${i}`, ["10.250.0.0/24"]))),
    );
    const addresses = answers.map((a) => a.ips[0]?.address);
    expect(new Set(addresses).size).toBe(50);
    await client.gc([]);
  });

  it("names the bad field", async () => {
    const noId = await failure(client.add(add("")));
    expect(noId.code).toBe(status.INVALID_ARGUMENT);
    expect(noId.details).toContain("sandbox_id");
    const noCidr = await failure(client.add(add("x", [])));
    expect(noCidr.code).toBe(status.INVALID_ARGUMENT);
    expect(noCidr.details).toContain("pod_cidrs");
    const bad = await failure(client.add(add("x", ["10.0.0.0/99"])));
    expect(bad.details).toContain("pod_cidrs[0]");
  });

  it("fails with RESOURCE_EXHAUSTED when the pod CIDR is full", async () => {
    for (let i = 0; i < 5; i++) await client.add(add(`full${i}`, ["10.9.0.0/29"]));
    const full = await failure(client.add(add("full5", ["10.9.0.0/29"])));
    expect(full.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(full.details).toContain("10.9.0.0/29");
    await client.del({ sandboxId: "full0", netnsPath: "", interfaceName: "", pod: undefined });
    expect((await client.add(add("full5", ["10.9.0.0/29"]))).ips[0]?.address).toBe("10.9.0.2/29");
  });

  it("deletes idempotently; Check knows only sandboxes with an address", async () => {
    await client.add(add("gone"));
    const del = { sandboxId: "gone", netnsPath: "", interfaceName: "eth0", pod: undefined };
    await client.del(del);
    await client.del(del);
    await client.del({ ...del, sandboxId: "never-added" });
    expect((await failure(client.check(del))).code).toBe(status.NOT_FOUND);
  });

  it("garbage-collects sandboxes not in the valid set", async () => {
    await client.add(add("keep"));
    await client.add(add("drop1"));
    await client.add(add("drop2"));
    const released = await client.gc(["keep", "s1", "s2"]);
    expect(released).toEqual(expect.arrayContaining(["drop1", "drop2"]));
    expect(released).not.toContain("keep");
    await client.check({ sandboxId: "keep", netnsPath: "", interfaceName: "", pod: undefined });
  });

  it("keeps allocations across a restart, and a crash right after answering", async () => {
    const before = await client.add(add("durable"));
    await restart();
    expect(await client.add(add("durable"))).toEqual(before);
    const crash = await client.add(add("crash"));
    await restart(true);
    expect(await client.add(add("crash"))).toEqual(crash);
    // The next address continues after the last one given, not at a released one.
    const next = await client.add(add("after-restart"));
    expect(next.ips[0]?.address).not.toBe(before.ips[0]?.address);
  });

  it("refuses another node's state dir", async () => {
    await expect(start("node-b", join(dir, "state"))).rejects.toThrow(/belongs to node "node-a"/);
  });
});
