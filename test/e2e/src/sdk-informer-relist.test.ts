// The informer relists only when it must: cut off from an apiserver that keeps 1 s of
// history while writes go on, its version leaves the history; when it can reach the
// server again its watch gets OUT_OF_RANGE, it lists again, converges, and reports
// objects deleted meanwhile with their last known state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import {
  ApiClient,
  ApiStatusError,
  SharedInformerFactory,
  type DeleteInfo,
  waitFor,
} from "@k8ts/sdk";
import { createNamespace, pod } from "./api-objects.js";
import { RecordingLogger } from "./recording-logger.js";
import { TcpProxy } from "./tcp-proxy.js";

let api: ApiServerProcess;
let proxy: TcpProxy;
let client: ApiClient;

beforeAll(async () => {
  api = await ApiServerProcess.start({ args: ["--history-window", "1s"] });
  proxy = await TcpProxy.start(api.address);
  client = new ApiClient({ server: api.address });
});

afterAll(async () => {
  client.close();
  await proxy.close();
  await api.dispose();
});

/** Whether a watch from `version` is refused as too old (OUT_OF_RANGE) right now. */
async function isGone(version: string): Promise<boolean> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 300);
  try {
    for await (const _ of client
      .kind("Pod")
      .watch({ namespace: "relist", resourceVersion: version, signal: ac.signal }))
      break;
    return false;
  } catch (e) {
    if (e instanceof ApiStatusError && e.isGone) return true;
    throw e;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
}

describe("SharedInformer relists on OUT_OF_RANGE", () => {
  it("relists after its version left the history, converges and reports vanished objects", async () => {
    const ns = "relist";
    await createNamespace(client, ns);
    const pods = client.kind("Pod");
    for (let i = 0; i < 8; i++) await pods.create(pod(ns, `p${i}`));

    const viaProxy = new ApiClient({ server: proxy.address });
    const ac = new AbortController();
    const log = new RecordingLogger();
    const factory = new SharedInformerFactory(viaProxy, {
      backoff: { initialMs: 50, maxMs: 300 },
      logger: log,
    });
    const informer = factory.informer("Pod", { namespace: ns });
    const deletes = new Map<string, DeleteInfo & { labels: Record<string, string> }>();
    informer.addEventHandler({
      onDelete: (p, info) =>
        void deletes.set(p.metadata?.name ?? "", { ...info, labels: p.metadata?.labels ?? {} }),
    });
    factory.start(ac.signal);
    expect(await factory.waitForCacheSync(AbortSignal.timeout(10_000))).toBe(true);
    await pods.patch("p0", { metadata: { labels: { seen: "yes" } } }, { namespace: ns });
    await waitFor("the informer to see the patch", () =>
      informer.lister.get(ns, "p0")?.metadata?.labels.seen === "yes" ? true : undefined,
    );
    const version = informer.lastSyncResourceVersion;
    expect(informer.metrics.lists).toBe(1);

    // Partition the informer; keep writing until the server no longer retains its version.
    proxy.cut();
    let n = 0;
    await waitFor(
      `resourceVersion ${version} to leave the 1 s history`,
      async () => {
        await pods.patch("p1", { metadata: { labels: { n: String(n++) } } }, { namespace: ns });
        return (await isGone(version)) ? true : undefined;
      },
      15_000,
      100,
    );
    await pods.delete("p0", { namespace: ns });
    await pods.delete("p2", { namespace: ns });
    await pods.create(pod(ns, "during-partition"));
    proxy.restore();

    await waitFor("the informer to relist and converge", async () => {
      const server = (await pods.list({ namespace: ns })).items
        .map((p) => `${p.metadata?.name}@${p.metadata?.resourceVersion}`)
        .sort()
        .join(",");
      const cache = informer.lister
        .list()
        .map((p) => `${p.metadata?.name}@${p.metadata?.resourceVersion}`)
        .sort()
        .join(",");
      if (server !== cache) throw new Error(`server [${server}] cache [${cache}]`);
      return true;
    });
    expect(informer.metrics.relists).toBe(1);
    expect(informer.metrics.lists).toBe(2);
    expect(log.find("info", "OUT_OF_RANGE").length).toBeGreaterThanOrEqual(1);
    await waitFor("vanished objects reported deleted", () =>
      deletes.size === 2 ? true : undefined,
    );
    // The delete handler got the last state the informer knew, flagged as such.
    expect(deletes.get("p0")).toEqual({ finalStateUnknown: true, labels: { seen: "yes" } });
    expect(deletes.get("p2")?.finalStateUnknown).toBe(true);

    ac.abort();
    await factory.whenStopped();
    viaProxy.close();
  });
});
