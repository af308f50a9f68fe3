// The informer's cache and notifications, driven through its ReflectorSink side (what the
// reflector calls after lists and watch events); list-and-watch against a real apiserver
// is covered by test/e2e (sdk-informer*.test.ts).
import { afterAll, describe, expect, it } from "vitest";
import { ApiClient } from "../client/api-client.js";
import { Pod } from "../gen/k8ts/api/v1/pod.js";
import { silentLogger } from "../logging/logger.js";
import type { DeleteInfo } from "./handler-queue.js";
import { SharedInformer } from "./shared-informer.js";

const pod = (name: string, rv: string): Pod =>
  Pod.fromPartial({ metadata: { namespace: "ns", name, resourceVersion: rv } });

// Never connects: the informer is not run, only fed.
const client = new ApiClient({ server: "127.0.0.1:1" });
afterAll(() => client.close());

function recordingInformer() {
  const informer = new SharedInformer(client.kind("Pod"), { logger: silentLogger });
  const log: string[] = [];
  const registration = informer.addEventHandler({
    onAdd: (p, initial) => void log.push(`add ${p.metadata?.name}${initial ? " (initial)" : ""}`),
    onUpdate: (o, n) =>
      void log.push(
        `update ${n.metadata?.name} ${o.metadata?.resourceVersion}->${n.metadata?.resourceVersion}`,
      ),
    onDelete: (p, info: DeleteInfo) =>
      void log.push(
        `delete ${p.metadata?.name}@${p.metadata?.resourceVersion}${info.finalStateUnknown ? " (unknown)" : ""}`,
      ),
  });
  return { informer, log, registration };
}

describe("SharedInformer notifications", () => {
  it("syncs on the first list, then reports watch events in order", async () => {
    const { informer, log, registration } = recordingInformer();
    expect(informer.hasSynced()).toBe(false);
    expect(registration.hasSynced()).toBe(false);
    informer.replace([pod("a", "1"), pod("b", "2")], "2");
    expect(informer.hasSynced()).toBe(true);
    expect(informer.lister.list().length).toBe(2);
    informer.apply("ADDED", pod("c", "3"));
    informer.apply("MODIFIED", pod("a", "4"));
    informer.apply("DELETED", pod("b", "5"));
    informer.apply("DELETED", pod("never-seen", "6"));
    await registration.idle();
    expect(registration.hasSynced()).toBe(true);
    expect(log).toEqual([
      "add a (initial)",
      "add b (initial)",
      "add c",
      "update a 1->4",
      "delete b@5",
    ]);
  });

  it("a relist reports what changed meanwhile, and vanished objects with their last state", async () => {
    const { informer, log, registration } = recordingInformer();
    informer.replace([pod("a", "1"), pod("b", "2"), pod("c", "3")], "3");
    await registration.idle();
    log.length = 0;
    informer.replace([pod("a", "1"), pod("b", "7"), pod("d", "8")], "8");
    await registration.idle();
    expect(log).toEqual(["delete c@3 (unknown)", "update b 2->7", "add d"]);
    expect(
      informer.lister
        .list()
        .map((p) => p.metadata?.name)
        .sort(),
    ).toEqual(["a", "b", "d"]);
  });

  it("waitForSync resolves on sync, or false when its signal aborts first", async () => {
    const { informer } = recordingInformer();
    const ac = new AbortController();
    const aborted = informer.waitForSync(ac.signal);
    ac.abort();
    expect(await aborted).toBe(false);
    const synced = informer.waitForSync();
    informer.replace([], "1");
    expect(await synced).toBe(true);
  });

  it("a slow handler does not hold up another one", async () => {
    const informer = new SharedInformer(client.kind("Pod"), { logger: silentLogger });
    let release: () => void = () => undefined;
    const blocked = new Promise<void>((r) => (release = r));
    const fast: string[] = [];
    const slowReg = informer.addEventHandler({ onAdd: () => blocked });
    const fastReg = informer.addEventHandler({
      onAdd: (p) => void fast.push(p.metadata?.name ?? ""),
    });
    informer.replace([pod("a", "1"), pod("b", "2")], "2");
    await fastReg.idle();
    expect(fast).toEqual(["a", "b"]);
    expect(slowReg.hasSynced()).toBe(false);
    release();
    await slowReg.idle();
    expect(slowReg.hasSynced()).toBe(true);
  });
});
