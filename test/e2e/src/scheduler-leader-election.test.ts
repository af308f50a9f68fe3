// Two scheduler processes against one real apiserver: each pod is bound exactly once
// (Bind's uid precondition and "already bound" check make a second bind fail, and the
// loser drops the pod); with leader election only the Lease holder schedules, and the
// standby takes over when the leader is killed (SIGKILL: the Lease expires) or stops
// (SIGTERM: the Lease is released at once).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import { ApiClient, waitFor } from "@k8ts/sdk";
import { SchedulerProcess } from "@k8ts/scheduler/testing";
import { createNamespace } from "./api-objects.js";
import { boundNode, createNodes, podEvents, schedNode, schedPod } from "./scheduling-objects.js";

let api: ApiServerProcess;
let client: ApiClient;
const processes: SchedulerProcess[] = [];

beforeAll(async () => {
  api = await ApiServerProcess.start();
  client = new ApiClient({ server: api.address });
  await createNodes(
    client,
    [1, 2, 3, 4].map((i) => schedNode(`le-${i}`, { cpu: "100", memory: "100Gi", pods: "500" })),
  );
});

afterAll(async () => {
  client.close();
  for (const p of processes) await p.dispose();
  await api.dispose();
});

async function startScheduler(args: string[] = []): Promise<SchedulerProcess> {
  const p = await SchedulerProcess.start({ server: api.address, args });
  processes.push(p);
  return p;
}

async function holder(): Promise<string> {
  const lease = await client.kind("Lease").get("k8ts-scheduler", { namespace: "kube-system" });
  return lease.spec?.holderIdentity ?? "";
}

/** Watches a namespace's pods and records every node each pod was seen bound to. */
function recordBindings(ns: string, signal: AbortSignal): Map<string, Set<string>> {
  const seen = new Map<string, Set<string>>();
  void (async () => {
    for await (const e of client.kind("Pod").watch({ namespace: ns, signal })) {
      const name = e.object.metadata?.name ?? "";
      const node = e.object.spec?.nodeName ?? "";
      if (node === "") continue;
      const nodes = seen.get(name) ?? new Set<string>();
      nodes.add(node);
      seen.set(name, nodes);
    }
  })().catch(() => undefined);
  return seen;
}

/** Creates `n` pods and waits until all are bound; returns pod -> node. */
async function createAndBind(ns: string, prefix: string, n: number): Promise<Map<string, string>> {
  for (let i = 0; i < n; i++)
    await client.kind("Pod").create(schedPod(ns, `${prefix}-${i}`, { cpu: "100m" }));
  const out = new Map<string, string>();
  for (let i = 0; i < n; i++)
    out.set(`${prefix}-${i}`, await boundNode(client, ns, `${prefix}-${i}`, 30_000));
  return out;
}

/** The Scheduled events of a pod, once the leader has written them. */
async function scheduledEvents(ns: string, name: string) {
  return waitFor(`a Scheduled event for ${name}`, async () => {
    const events = (await podEvents(client, ns, name)).filter((e) => e.reason === "Scheduled");
    return events.length > 0 ? events : undefined;
  });
}

describe("two schedulers", () => {
  it("without leader election, race for every pod and still bind each exactly once", async () => {
    const ns = "le-race";
    await createNamespace(client, ns);
    const a = await startScheduler(["--leader-elect=false"]);
    const b = await startScheduler(["--leader-elect=false"]);
    const watching = new AbortController();
    const seen = recordBindings(ns, watching.signal);
    const placed = await createAndBind(ns, "race", 30);
    // Both stop cleanly; the watch has seen every binding by now.
    expect(await a.stop()).toBe(0);
    expect(await b.stop()).toBe(0);
    await waitFor("the watch to see every binding", () => (seen.size === 30 ? true : undefined));
    watching.abort();
    for (const [name, node] of placed) expect([...(seen.get(name) ?? [])]).toEqual([node]);
    // Only the winner of each bind records it.
    for (const name of placed.keys()) {
      const events = await scheduledEvents(ns, name);
      expect(events.length, name).toBe(1);
      expect(events[0]?.count).toBe(1);
    }
  });

  it("with leader election, only the leader schedules; the standby takes over when it is killed or stops", async () => {
    const ns = "le-failover";
    await createNamespace(client, ns);
    const first = await startScheduler();
    const second = await startScheduler();
    const identities = [first.identity, second.identity];
    const leaderId = await waitFor("a leader", async () => {
      const h = await holder();
      return identities.includes(h) ? h : undefined;
    });
    const leader = leaderId === first.identity ? first : second;
    const standby = leader === first ? second : first;

    const watching = new AbortController();
    const seen = recordBindings(ns, watching.signal);
    const before = await createAndBind(ns, "before", 20);
    for (const name of before.keys()) {
      const events = await scheduledEvents(ns, name);
      expect(events.map((e) => e.reportingInstance)).toEqual([leader.identity]);
    }

    // The leader dies without releasing the Lease: the standby takes over once it expires.
    await leader.kill();
    const after = await createAndBind(ns, "after", 10);
    expect(await holder()).toBe(standby.identity);
    for (const name of after.keys()) {
      const events = await scheduledEvents(ns, name);
      expect(events.map((e) => e.reportingInstance)).toEqual([standby.identity]);
    }

    // A leader that is stopped releases the Lease, and a new standby takes over.
    const third = await startScheduler();
    expect(await standby.stop()).toBe(0);
    const last = await createAndBind(ns, "last", 10);
    expect(await holder()).toBe(third.identity);
    for (const name of last.keys()) {
      const events = await scheduledEvents(ns, name);
      expect(events.map((e) => e.reportingInstance)).toEqual([third.identity]);
    }

    await waitFor("the watch to see every binding", () => (seen.size === 40 ? true : undefined));
    watching.abort();
    for (const [name, nodes] of seen) expect(nodes.size, name).toBe(1);
  }, 90_000);
});
