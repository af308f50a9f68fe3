// Crashes and restarts of the apiserver lose nothing that was acknowledged.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, ApiStatusError, type WatchEvent } from "@k8ts/sdk";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import { smallPod, webService } from "./fixtures.js";
import { Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";

let server: ApiServerProcess;

beforeAll(async () => {
  server = await ApiServerProcess.start();
});

afterAll(async () => {
  await server.dispose();
});

describe("apiserver crash and restart", () => {
  it("keeps every acknowledged write across kill -9, and watches resume from a retained version", async () => {
    let client = new ApiClient({ server: server.address, attempts: 1 });
    await client.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: "crash" } }));
    const before = await client.kind("Pod").list({ namespace: "crash" });
    const acknowledged = new Map<string, string>();
    let stop = false;
    const writers = Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const name = `w${w}-${i}`;
        try {
          const p = await client.kind("Pod").create(smallPod(name, "crash"));
          acknowledged.set(name, p.metadata?.resourceVersion ?? "");
        } catch (e) {
          if (e instanceof ApiStatusError) return; // the server died under this write
          throw e;
        }
      }
    });
    // Let writes flow, then kill the server in the middle of them.
    while (acknowledged.size < 300) await new Promise((r) => setTimeout(r, 10));
    await server.kill();
    stop = true;
    await Promise.all(writers);
    client.close();

    server = await server.restart();
    client = new ApiClient({ server: server.address });
    const after = await client.kind("Pod").list({ namespace: "crash" });
    const stored = new Map(
      after.items.map((p) => [p.metadata?.name ?? "", p.metadata?.resourceVersion ?? ""]),
    );
    for (const [name, rv] of acknowledged) expect(stored.get(name), name).toBe(rv);

    // A watch from the version listed before the crash replays every change since, once, in order.
    const ac = new AbortController();
    const events: WatchEvent<Pod>[] = [];
    for await (const e of client.kind("Pod").watch({
      namespace: "crash",
      resourceVersion: before.metadata.resourceVersion,
      signal: ac.signal,
    })) {
      events.push(e);
      if (events.length === after.items.length) break;
    }
    ac.abort();
    expect(events.every((e) => e.type === "ADDED")).toBe(true);
    const revisions = events.map((e) => Number(e.object.metadata?.resourceVersion));
    expect([...revisions].sort((a, b) => a - b)).toEqual(revisions);
    expect(new Set(events.map((e) => e.object.metadata?.name)).size).toBe(after.items.length);
    client.close();
  });

  it("keeps ClusterIPs unique and allocated across a restart", async () => {
    let client = new ApiClient({ server: server.address });
    await client.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: "ips" } }));
    const first = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        client.kind("Service").create(webService(`a-${i}`, "ips", false)),
      ),
    );
    await server.stop();
    client.close();
    server = await server.restart();
    client = new ApiClient({ server: server.address });
    const second = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        client.kind("Service").create(webService(`b-${i}`, "ips", false)),
      ),
    );
    const listed = await client.kind("Service").list({ namespace: "ips" });
    expect(listed.items.map((s) => s.spec?.clusterIP)).toEqual(
      expect.arrayContaining([...first, ...second].map((s) => s.spec?.clusterIP)),
    );
    const ips = [...first, ...second].map((s) => s.spec?.clusterIP);
    expect(new Set(ips).size).toBe(400);
    client.close();
  });

  it("exits cleanly on SIGTERM", async () => {
    const code = await server.stop();
    expect(code).toBe(0);
    expect(await server.logs()).toContain('"msg":"stopped"');
    server = await server.restart();
  });
});
