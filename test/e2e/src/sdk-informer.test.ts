// The SDK's shared informer against a real apiserver: it lists (paginated) and converges
// to the server's state under concurrent writes, its handlers see every change, custom
// indexes follow the objects, a throwing handler breaks nothing, and after the apiserver
// is killed and restarted it catches up by re-watching from its version, without a relist.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import {
  ApiClient,
  ApiStatusError,
  SharedInformerFactory,
  type SharedInformer,
  waitFor,
} from "@k8ts/sdk";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { createNamespace, pod } from "./api-objects.js";
import { RecordingLogger } from "./recording-logger.js";
import { TcpProxy } from "./tcp-proxy.js";

const FAST_BACKOFF = { initialMs: 50, maxMs: 500 };

let first: ApiServerProcess;
let api: ApiServerProcess;
let proxy: TcpProxy;
let client: ApiClient;

beforeAll(async () => {
  first = await ApiServerProcess.start({ args: ["--bookmark-interval", "1s"] });
  api = first;
  proxy = await TcpProxy.start(api.address);
  client = new ApiClient({ server: api.address });
});

afterAll(async () => {
  client.close();
  await proxy.close();
  await api.dispose();
  await first.dispose();
});

/** name -> resourceVersion of every Pod of `namespace` on the server. */
async function serverState(namespace: string): Promise<Map<string, string>> {
  const list = await client.kind("Pod").list({ namespace });
  return new Map(
    list.items.map((p) => [p.metadata?.name ?? "", p.metadata?.resourceVersion ?? ""]),
  );
}

function cacheState(informer: SharedInformer<Pod>, namespace: string): Map<string, string> {
  return new Map(
    informer.lister
      .list({ namespace })
      .map((p) => [p.metadata?.name ?? "", p.metadata?.resourceVersion ?? ""]),
  );
}

function describeDiff(want: Map<string, string>, got: Map<string, string>): string | undefined {
  const diffs: string[] = [];
  for (const [k, v] of want) if (got.get(k) !== v) diffs.push(`${k}: want ${v}, got ${got.get(k)}`);
  for (const k of got.keys()) if (!want.has(k)) diffs.push(`${k}: not on the server`);
  return diffs.length === 0
    ? undefined
    : `${diffs.length} differences: ${diffs.slice(0, 8).join("; ")}`;
}

/** Waits until the informer's cache equals the server's list; throws what differs. */
async function converged(informer: SharedInformer<Pod>, namespace: string): Promise<void> {
  await waitFor(
    "the informer's cache to equal the server's state",
    async () => {
      const diff = describeDiff(await serverState(namespace), cacheState(informer, namespace));
      if (diff !== undefined) throw new Error(diff);
      return true;
    },
    15_000,
    50,
  );
}

describe("SharedInformer against a real apiserver", () => {
  it("lists in pages, converges under concurrent writes and tells handlers every change", async () => {
    const ns = "informer-churn";
    await createNamespace(client, ns);
    const pods = client.kind("Pod");
    for (let i = 0; i < 23; i++) await pods.create(pod(ns, `pre-${i}`, { round: "0" }));

    const ac = new AbortController();
    const log = new RecordingLogger();
    const factory = new SharedInformerFactory(client, {
      pageSize: 5,
      backoff: FAST_BACKOFF,
      logger: log,
    });
    const informer = factory.informer("Pod", { namespace: ns });
    expect(factory.informer("Pod", { namespace: ns })).toBe(informer);
    expect(() => informer.lister.list()).toThrow(/not synced/);

    // What the handler saw: every resourceVersion per pod, deletes, and the state it implies.
    const seen = new Map<string, Set<string>>();
    const deleted = new Set<string>();
    const handlerState = new Map<string, string>();
    let listerEmptyInHandler = false;
    const note = (p: Pod): void => {
      const name = p.metadata?.name ?? "";
      const rvs = seen.get(name) ?? new Set<string>();
      rvs.add(p.metadata?.resourceVersion ?? "");
      seen.set(name, rvs);
      handlerState.set(name, p.metadata?.resourceVersion ?? "");
    };
    const registration = informer.addEventHandler({
      onAdd: (p) => {
        // The lister is complete before any handler runs.
        if (informer.lister.list({ namespace: ns }).length < 23) listerEmptyInHandler = true;
        note(p);
      },
      onUpdate: (_old, p) => note(p),
      onDelete: (p) => {
        deleted.add(p.metadata?.name ?? "");
        handlerState.delete(p.metadata?.name ?? "");
      },
    });
    factory.start(ac.signal);
    expect(await factory.waitForCacheSync(AbortSignal.timeout(10_000))).toBe(true);
    expect(informer.metrics.lists).toBe(1);
    expect(informer.metrics.listPages).toBe(5);
    expect(cacheState(informer, ns).size).toBe(23);

    // Four writers: creates, label patches and deletes of distinct pods, concurrently.
    const acknowledged = new Map<string, string[]>();
    const deletedOnServer = new Set<string>();
    const ack = (p: Pod): void => {
      const name = p.metadata?.name ?? "";
      acknowledged.set(name, [
        ...(acknowledged.get(name) ?? []),
        p.metadata?.resourceVersion ?? "",
      ]);
    };
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; i < 12; i++) {
        const name = `w${w}-${i}`;
        ack(await pods.create(pod(ns, name)));
        ack(await pods.patch(name, { metadata: { labels: { step: "1" } } }, { namespace: ns }));
        ack(
          await pods.patch(
            `pre-${(w * 12 + i) % 23}`,
            { metadata: { labels: { by: name } } },
            {
              namespace: ns,
            },
          ),
        );
        if (i % 3 === 0) {
          await pods.delete(name, { namespace: ns });
          deletedOnServer.add(name);
        }
      }
    };
    await Promise.all([0, 1, 2, 3].map(writer));

    await converged(informer, ns);
    await registration.idle();
    expect(describeDiff(await serverState(ns), handlerState)).toBeUndefined();
    // Every acknowledged write reached the handler, and every delete.
    const missing: string[] = [];
    for (const [name, rvs] of acknowledged)
      for (const rv of rvs) if (seen.get(name)?.has(rv) !== true) missing.push(`${name}@${rv}`);
    expect(missing).toEqual([]);
    expect([...deletedOnServer].filter((n) => !deleted.has(n))).toEqual([]);
    expect(listerEmptyInHandler).toBe(false);
    expect(informer.metrics.lists).toBe(1);
    expect(log.find("error", "")).toEqual([]);

    ac.abort();
    await factory.whenStopped();
  });

  it("keeps custom indexes current and survives a throwing handler", async () => {
    const ns = "informer-index";
    await createNamespace(client, ns);
    const pods = client.kind("Pod");
    const ac = new AbortController();
    const log = new RecordingLogger();
    const factory = new SharedInformerFactory(client, { backoff: FAST_BACKOFF, logger: log });
    const informer = factory.informer("Pod", { namespace: ns });
    informer.addIndexers({ nodeName: (p) => [p.spec?.nodeName ?? ""] });
    let adds = 0;
    informer.addEventHandler({
      onAdd: () => {
        adds++;
        throw new Error("handler bug");
      },
      onUpdate: () => Promise.reject(new Error("async handler bug")),
    });
    factory.start(ac.signal);
    expect(await factory.waitForCacheSync(AbortSignal.timeout(10_000))).toBe(true);

    for (let i = 0; i < 6; i++) await pods.create(pod(ns, `p${i}`));
    for (let i = 0; i < 4; i++)
      await pods.bind(`p${i}`, i < 3 ? "node-a" : "node-b", { namespace: ns });

    const names = (node: string): string[] =>
      informer.lister
        .byIndex("nodeName", node)
        .map((p) => p.metadata?.name ?? "")
        .sort();
    await waitFor("the nodeName index to follow the binds", () => {
      const a = names("node-a");
      if (a.join() !== "p0,p1,p2") throw new Error(`node-a has [${a.join()}]`);
      return true;
    });
    expect(names("node-b")).toEqual(["p3"]);
    expect(names("")).toEqual(["p4", "p5"]);
    expect(informer.lister.list("").length).toBe(6);
    expect(informer.lister.list({ fieldSelector: "spec.nodeName=node-a" }).length).toBe(3);
    expect(informer.lister.get(ns, "p3")?.spec?.nodeName).toBe("node-b");

    // The handler threw on every call; the informer kept going and reported each failure.
    expect(adds).toBe(6);
    await waitFor("handler failures to be counted", () =>
      informer.metrics.handlerErrors >= 10 ? true : undefined,
    );
    expect(log.find("error", "informer handler failed").length).toBe(
      informer.metrics.handlerErrors,
    );

    // A handler registered late first gets every cached object as an initial add.
    const late: string[] = [];
    const reg = informer.addEventHandler({
      onAdd: (p, initial) => void (initial && late.push(p.metadata?.name ?? "")),
    });
    await waitFor("late handler synced", () => (reg.hasSynced() ? true : undefined));
    expect(late.sort()).toEqual(["p0", "p1", "p2", "p3", "p4", "p5"]);

    ac.abort();
    await factory.whenStopped();
  });

  it("after kill -9 or a stop, and a restart, catches up by re-watching from its version (no relist)", async () => {
    const ns = "informer-restart";
    await createNamespace(client, ns);
    const pods = client.kind("Pod");
    for (let i = 0; i < 10; i++) await pods.create(pod(ns, `p${i}`));

    // The informer reaches the apiserver through the proxy, whose address survives restarts.
    const viaProxy = new ApiClient({ server: proxy.address });
    const ac = new AbortController();
    const log = new RecordingLogger();
    const factory = new SharedInformerFactory(viaProxy, { backoff: FAST_BACKOFF, logger: log });
    const informer = factory.informer("Pod", { namespace: ns });
    const deletes: string[] = [];
    informer.addEventHandler({ onDelete: (p) => void deletes.push(p.metadata?.name ?? "") });
    factory.start(ac.signal);
    expect(await factory.waitForCacheSync(AbortSignal.timeout(10_000))).toBe(true);
    const watchesBefore = informer.metrics.watches;

    // A stream of writes; kill -9 in the middle of it.
    const acknowledged: string[] = [];
    let writing = true;
    const writes = (async () => {
      for (let i = 0; writing; i++) {
        try {
          await pods.patch(
            `p${i % 10}`,
            { metadata: { labels: { n: String(i) } } },
            { namespace: ns },
          );
          acknowledged.push(`p${i % 10}=${i}`);
        } catch (e) {
          if (!(e instanceof ApiStatusError)) throw e;
          return; // the apiserver is gone: stop writing
        }
      }
    })();
    await waitFor("some writes", () => (acknowledged.length >= 20 ? true : undefined));
    await api.kill();
    writing = false;
    await writes;

    api = await api.restart({ args: ["--bookmark-interval", "1s"] });
    proxy.retarget(api.address);
    client.close();
    client = new ApiClient({ server: api.address });

    // Every acknowledged write survived, and more changes happen after the restart.
    const server = await client.kind("Pod").list({ namespace: ns });
    const labels = new Map(server.items.map((p) => [p.metadata?.name ?? "", p.metadata?.labels.n]));
    const lastAck = new Map<string, string>();
    for (const a of acknowledged) {
      const [name = "", n = ""] = a.split("=");
      lastAck.set(name, n);
    }
    for (const [name, n] of lastAck)
      expect(Number(labels.get(name) ?? -1)).toBeGreaterThanOrEqual(Number(n));
    await client.kind("Pod").delete("p9", { namespace: ns });
    await client.kind("Pod").create(pod(ns, "after-restart"));

    await converged(informer, ns);
    await waitFor("the delete to reach the handler", () =>
      deletes.includes("p9") ? true : undefined,
    );
    expect(informer.metrics.lists).toBe(1);
    expect(informer.metrics.relists).toBe(0);
    expect(informer.metrics.watches).toBeGreaterThan(watchesBefore);

    // A graceful stop (the apiserver ends the informer's watch), then a restart: the same.
    const watchesBeforeStop = informer.metrics.watches;
    expect(await api.stop()).toBe(0);
    api = await api.restart({ args: ["--bookmark-interval", "1s"] });
    proxy.retarget(api.address);
    client.close();
    client = new ApiClient({ server: api.address });
    await client.kind("Pod").create(pod(ns, "after-stop"));
    await converged(informer, ns);
    expect(informer.metrics.lists).toBe(1);
    expect(informer.metrics.watches).toBeGreaterThan(watchesBeforeStop);

    ac.abort();
    await factory.whenStopped();
    viaProxy.close();
  });
});
