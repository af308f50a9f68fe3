// The apiserver as a client sees it: a real apiserver process, the SDK client, and the
// behaviour Kubernetes users rely on.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { ApiClient, ApiStatusError, allKinds, type WatchEvent, waitFor } from "@k8ts/sdk";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { webService } from "./fixtures.js";

const run = promisify(execFile);
const BUF = fileURLToPath(new URL("../../../node_modules/.bin/buf", import.meta.url));

let server: ApiServerProcess;
let client: ApiClient;

beforeAll(async () => {
  server = await ApiServerProcess.start({
    args: [
      "--bookmark-interval",
      "200ms",
      "--watch-queue-limit",
      "50",
      "--watch-slow-grace",
      "300ms",
    ],
  });
  client = new ApiClient({ server: server.address });
});

afterAll(async () => {
  client.close();
  await server.dispose();
});

async function failure(p: Promise<unknown>): Promise<ApiStatusError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiStatusError) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

function deployment(name: string, namespace = "default", replicas = 2): Deployment {
  return Deployment.fromPartial({
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name: "web", image: "busybox:1.36", ports: [{ name: "http", containerPort: 8080 }] },
          ],
        },
      },
    },
  });
}

function pod(name: string, namespace = "default", labels: Record<string, string> = {}): Pod {
  return Pod.fromPartial({
    metadata: { name, namespace, labels },
    spec: { containers: [{ name: "c", image: "busybox:1.36" }] },
  });
}

describe("bootstrap and basics", () => {
  it("has the bootstrap namespaces", async () => {
    const list = await client.kind("Namespace").list();
    expect(list.items.map((n) => n.metadata?.name)).toEqual(
      expect.arrayContaining(["default", "kube-system", "kube-node-lease"]),
    );
    expect(list.items.every((n) => n.status?.phase === "Active")).toBe(true);
  });

  it("creates with server-set metadata and defaults, gets, and refuses duplicates", async () => {
    const created = await client.kind("Deployment").create(deployment("basics"));
    const m = created.metadata;
    expect(m?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(m?.resourceVersion)).toBeGreaterThan(0);
    expect(m?.generation).toBe(1);
    expect(m?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.spec?.strategy?.type).toBe("RollingUpdate");
    expect(created.spec?.revisionHistoryLimit).toBe(10);
    expect(created.spec?.template?.spec?.restartPolicy).toBe("Always");
    expect(created.spec?.template?.spec?.containers[0]?.imagePullPolicy).toBe("IfNotPresent");
    const got = await client.kind("Deployment").get("basics", { namespace: "default" });
    expect(got).toEqual(created);
    const dup = await failure(client.kind("Deployment").create(deployment("basics")));
    expect(dup.code).toBe(status.ALREADY_EXISTS);
    const missing = await failure(client.kind("Deployment").get("nope", { namespace: "default" }));
    expect(missing.code).toBe(status.NOT_FOUND);
    expect(missing.message).toBe('Deployment "nope" not found in namespace "default"');
  });

  it("answers an invalid object with every bad field", async () => {
    const bad = deployment("Bad_Name", "default", -1);
    const spec = bad.spec?.template?.spec;
    if (spec === undefined) throw new Error("fixture");
    spec.restartPolicy = "Sometimes";
    const e = await failure(client.kind("Deployment").create(bad));
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.violations.map((v) => v.field)).toEqual(
      expect.arrayContaining([
        "metadata.name",
        "spec.replicas",
        "spec.template.spec.restartPolicy",
      ]),
    );
  });

  it("generates names from generateName", async () => {
    const p = pod("", "default");
    if (p.metadata !== undefined) p.metadata.generateName = "gen-";
    const a = await client.kind("Pod").create(p);
    const b = await client.kind("Pod").create(p);
    expect(a.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(a.metadata?.name).not.toBe(b.metadata?.name);
    // A long prefix is cut to 58 characters, as Kubernetes does, so the name stays valid.
    if (p.metadata !== undefined) p.metadata.generateName = `${"x".repeat(250)}-`;
    const long = await client.kind("Pod").create(p);
    expect(long.metadata?.name).toMatch(new RegExp(`^${"x".repeat(58)}[a-z0-9]{5}$`));
  });

  it("refuses creates in a missing namespace and in a terminating one", async () => {
    const missing = await failure(client.kind("Pod").create(pod("p", "no-such-ns")));
    expect(missing.code).toBe(status.NOT_FOUND);
    await client.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: "doomed" } }));
    const deleted = await client.kind("Namespace").delete("doomed");
    expect(deleted.status?.phase).toBe("Terminating");
    expect(deleted.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const refused = await failure(client.kind("Pod").create(pod("p", "doomed")));
    expect(refused.code).toBe(status.FAILED_PRECONDITION);
    expect(refused.message).toContain("because it is being terminated");
  });
});

describe("updates", () => {
  it("lets exactly one of two writers from the same resourceVersion win", async () => {
    const d = await client.kind("Deployment").create(deployment("race"));
    const a = structuredClone(d);
    const b = structuredClone(d);
    if (a.spec === undefined || b.spec === undefined) throw new Error("fixture");
    a.spec.replicas = 5;
    b.spec.replicas = 7;
    const results = await Promise.allSettled([
      client.kind("Deployment").update(a),
      client.kind("Deployment").update(b),
    ]);
    const ok = results.filter((r) => r.status === "fulfilled");
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(ok).toHaveLength(1);
    expect(failed).toHaveLength(1);
    expect((failed[0]?.reason as ApiStatusError).code).toBe(status.ABORTED);
  });

  it("applies 64 concurrent unpinned patches to one object, none lost or refused", async () => {
    await client.kind("Deployment").create(deployment("crowd"));
    // Each patch re-reads and retries on a conflict; a winner that is committed but not yet
    // flushed must not make the others give up.
    await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        client
          .kind("Deployment")
          .patch(
            "crowd",
            { metadata: { annotations: { [`n${i}`]: "x" } } },
            { namespace: "default" },
          ),
      ),
    );
    const d = await client.kind("Deployment").get("crowd", { namespace: "default" });
    expect(Object.keys(d.metadata?.annotations ?? {}).filter((k) => /^n\d+$/.test(k))).toHaveLength(
      64,
    );
  });

  it("bumps generation on spec changes only, ignores status on Update and spec on UpdateStatus", async () => {
    const d = await client.kind("Deployment").create(deployment("gen"));
    const labelled = structuredClone(d);
    if (labelled.metadata === undefined || labelled.spec === undefined) throw new Error("fixture");
    labelled.metadata.labels.extra = "yes";
    labelled.status = {
      observedGeneration: 9,
      replicas: 9,
      updatedReplicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      unavailableReplicas: 0,
      conditions: [],
      collisionCount: undefined,
    };
    const u1 = await client.kind("Deployment").update(labelled);
    expect(u1.metadata?.generation).toBe(1);
    expect(u1.status?.replicas ?? 0).toBe(0);
    if (u1.spec === undefined) throw new Error("fixture");
    u1.spec.replicas = 4;
    const u2 = await client.kind("Deployment").update(u1);
    expect(u2.metadata?.generation).toBe(2);
    const s = structuredClone(u2);
    if (s.spec === undefined) throw new Error("fixture");
    s.spec.replicas = 100;
    s.status = {
      observedGeneration: 2,
      replicas: 4,
      updatedReplicas: 4,
      readyReplicas: 3,
      availableReplicas: 3,
      unavailableReplicas: 1,
      conditions: [],
      collisionCount: undefined,
    };
    const u3 = await client.kind("Deployment").updateStatus(s);
    expect(u3.spec?.replicas).toBe(4);
    expect(u3.status?.readyReplicas).toBe(3);
    expect(u3.metadata?.generation).toBe(2);
  });

  it("writes nothing for an update that changes nothing", async () => {
    const d = await client.kind("Deployment").create(deployment("noop"));
    const again = await client.kind("Deployment").update(d);
    expect(again.metadata?.resourceVersion).toBe(d.metadata?.resourceVersion);
  });

  it("patches spec.replicas and leaves everything else untouched", async () => {
    const d = await client.kind("Deployment").create(deployment("patched"));
    const merge = await client
      .kind("Deployment")
      .patch("patched", { spec: { replicas: 6 } }, { namespace: "default" });
    expect(merge.spec?.replicas).toBe(6);
    const strip = (x: Deployment): unknown => ({
      ...x,
      metadata: { ...x.metadata, resourceVersion: "", generation: 0 },
      spec: { ...x.spec, replicas: 0 },
    });
    expect(strip(merge)).toEqual(strip(d));
    const strategic = await client
      .kind("Deployment")
      .patch(
        "patched",
        { spec: { template: { spec: { containers: [{ name: "web", image: "busybox:1.37" }] } } } },
        { namespace: "default", type: "application/strategic-merge-patch+json" },
      );
    const c = strategic.spec?.template?.spec?.containers[0];
    expect(c?.image).toBe("busybox:1.37");
    expect(c?.ports).toEqual(d.spec?.template?.spec?.containers[0]?.ports);
    expect(strategic.metadata?.generation).toBe(3);
    const json = await client
      .kind("Deployment")
      .patch("patched", [{ op: "replace", path: "/spec/replicas", value: 1 }], {
        namespace: "default",
        type: "application/json-patch+json",
      });
    expect(json.spec?.replicas).toBe(1);
    const stale = await failure(
      client
        .kind("Deployment")
        .patch(
          "patched",
          { metadata: { resourceVersion: d.metadata?.resourceVersion }, spec: { replicas: 2 } },
          { namespace: "default" },
        ),
    );
    expect(stale.code).toBe(status.ABORTED);
    const invalid = await failure(
      client
        .kind("Deployment")
        .patch("patched", { spec: { replicas: -3 } }, { namespace: "default" }),
    );
    expect(invalid.code).toBe(status.INVALID_ARGUMENT);
    expect(invalid.violations).toEqual([
      {
        field: "spec.replicas",
        description: "Invalid value: -3: must be greater than or equal to 0",
      },
    ]);
  });

  it("stores nothing on dry_run", async () => {
    const dry = await client.kind("Deployment").create(deployment("dry"), { dryRun: true });
    expect(dry.metadata?.uid).not.toBe("");
    expect(
      (await failure(client.kind("Deployment").get("dry", { namespace: "default" }))).code,
    ).toBe(status.NOT_FOUND);
    const d = await client.kind("Deployment").create(deployment("dry"));
    if (d.spec === undefined) throw new Error("fixture");
    d.spec.replicas = 9;
    await client.kind("Deployment").update(d, { dryRun: true });
    await client
      .kind("Deployment")
      .patch("dry", { spec: { replicas: 8 } }, { namespace: "default", dryRun: true });
    await client.kind("Deployment").delete("dry", { namespace: "default", dryRun: true });
    const after = await client.kind("Deployment").get("dry", { namespace: "default" });
    expect(after.spec?.replicas).toBe(2);
    expect(after.metadata?.resourceVersion).toBe(d.metadata?.resourceVersion);
  });
});

describe("deletion", () => {
  it("deletes an unbound pod at once and a bound pod gracefully, honouring uid preconditions", async () => {
    const unbound = await client.kind("Pod").create(pod("unbound"));
    const stale = await failure(
      client.kind("Pod").delete("unbound", {
        namespace: "default",
        options: { preconditions: { uid: "not-the-uid", resourceVersion: "" } },
      }),
    );
    expect(stale.code).toBe(status.ABORTED);
    await client.kind("Pod").delete("unbound", {
      namespace: "default",
      options: { preconditions: { uid: unbound.metadata?.uid ?? "", resourceVersion: "" } },
    });
    expect((await failure(client.kind("Pod").get("unbound", { namespace: "default" }))).code).toBe(
      status.NOT_FOUND,
    );

    const bound = await client.kind("Pod").create(pod("bound"));
    await client
      .kind("Pod")
      .bind("bound", "node-1", { namespace: "default", uid: bound.metadata?.uid });
    const terminating = await client.kind("Pod").delete("bound", { namespace: "default" });
    expect(terminating.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    expect(terminating.metadata?.deletionGracePeriodSeconds).toBe(30);
    expect(
      (await client.kind("Pod").get("bound", { namespace: "default" })).metadata?.deletionTimestamp,
    ).toBeInstanceOf(Date);
    // The kubelet finishes it with grace 0 and the uid as precondition.
    await client.kind("Pod").delete("bound", {
      namespace: "default",
      options: {
        gracePeriodSeconds: 0,
        preconditions: { uid: bound.metadata?.uid ?? "", resourceVersion: "" },
      },
    });
    expect((await failure(client.kind("Pod").get("bound", { namespace: "default" }))).code).toBe(
      status.NOT_FOUND,
    );
  });

  it("keeps an object with finalizers until the last one is removed", async () => {
    const p = pod("finalized");
    p.metadata?.finalizers.push("example.com/cleanup");
    await client.kind("Pod").create(p);
    const deleting = await client.kind("Pod").delete("finalized", { namespace: "default" });
    expect(deleting.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    if (deleting.metadata === undefined) throw new Error("fixture");
    deleting.metadata.finalizers = [];
    await client.kind("Pod").update(deleting);
    expect(
      (await failure(client.kind("Pod").get("finalized", { namespace: "default" }))).code,
    ).toBe(status.NOT_FOUND);
  });

  it("orphan and foreground propagation leave their finalizers", async () => {
    await client.kind("Deployment").create(deployment("orphaned"));
    const o = await client
      .kind("Deployment")
      .delete("orphaned", { namespace: "default", options: { propagationPolicy: "Orphan" } });
    expect(o.metadata?.finalizers).toContain("orphan");
    await client.kind("Deployment").create(deployment("foreground"));
    const f = await client
      .kind("Deployment")
      .delete("foreground", { namespace: "default", options: { propagationPolicy: "Foreground" } });
    expect(f.metadata?.finalizers).toContain("foregroundDeletion");
  });
});

describe("bind", () => {
  it("binds once, guarded by uid", async () => {
    const p = await client.kind("Pod").create(pod("to-bind"));
    const wrongUid = await failure(
      client.kind("Pod").bind("to-bind", "n1", { namespace: "default", uid: "other" }),
    );
    expect(wrongUid.code).toBe(status.ABORTED);
    const b = await client
      .kind("Pod")
      .bind("to-bind", "n1", { namespace: "default", uid: p.metadata?.uid });
    expect(b.spec?.nodeName).toBe("n1");
    expect(b.status?.conditions.find((c) => c.type === "PodScheduled")?.status).toBe("True");
    const again = await failure(
      client.kind("Pod").bind("to-bind", "n2", { namespace: "default", uid: p.metadata?.uid }),
    );
    expect(again.code).toBe(status.FAILED_PRECONDITION);
    expect(again.message).toContain('already assigned to node "n1"');
    if (b.spec === undefined) throw new Error("fixture");
    b.spec.nodeName = "n3";
    expect((await failure(client.kind("Pod").update(b))).code).toBe(status.INVALID_ARGUMENT);
  });
});

describe("lists and selectors", () => {
  it("filters by label and field selectors", async () => {
    await client.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: "sel" } }));
    await client.kind("Pod").create(pod("a", "sel", { tier: "web" }));
    await client.kind("Pod").create(pod("b", "sel", { tier: "db" }));
    const c = await client.kind("Pod").create(pod("c", "sel", { tier: "web", canary: "true" }));
    await client.kind("Pod").bind("c", "node-7", { namespace: "sel", uid: c.metadata?.uid });
    const names = async (
      o: Parameters<ReturnType<ApiClient["kind"]>["list"]>[0],
    ): Promise<unknown[]> =>
      (await client.kind("Pod").list({ namespace: "sel", ...o })).items.map(
        (p) => p.metadata?.name,
      );
    expect(await names({ labelSelector: "tier=web" })).toEqual(["a", "c"]);
    expect(await names({ labelSelector: "tier in (web,db),!canary" })).toEqual(["a", "b"]);
    expect(await names({ fieldSelector: "spec.nodeName=node-7" })).toEqual(["c"]);
    expect(await names({ fieldSelector: "metadata.name!=a,status.phase=Pending" })).toEqual([
      "b",
      "c",
    ]);
    const bad = await failure(client.kind("Pod").list({ fieldSelector: "spec.image=x" }));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    const across = await client.kind("Pod").list({ labelSelector: "tier" });
    expect(across.items.every((p) => p.metadata?.namespace === "sel")).toBe(true);
  });

  it("pages a list taken during 1,000 writes at one consistent revision", async () => {
    await client.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: "paging" } }));
    for (let i = 0; i < 300; i += 50)
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          client.kind("Pod").create(pod(`p-${String(i + j).padStart(4, "0")}`, "paging")),
        ),
      );
    let writing = true;
    const writer = (async () => {
      let n = 0;
      while (writing && n < 1000) {
        await Promise.all(
          Array.from({ length: 20 }, () =>
            client.kind("Pod").create(pod(`w-${String(n++).padStart(4, "0")}`, "paging")),
          ),
        );
      }
      return n;
    })();
    const first = await client.kind("Pod").list({ namespace: "paging", limit: 40 });
    const revision = first.metadata.resourceVersion;
    const seen = [...first.items];
    let token = first.metadata.continue;
    while (token !== "") {
      const page = await client
        .kind("Pod")
        .list({ namespace: "paging", limit: 40, continue: token });
      expect(page.metadata.resourceVersion).toBe(revision);
      seen.push(...page.items);
      token = page.metadata.continue;
    }
    writing = false;
    await writer;
    const names = seen.map((p) => p.metadata?.name ?? "");
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual(names);
    // Exactly the objects at that revision: nothing newer, nothing missing.
    expect(seen.every((p) => Number(p.metadata?.resourceVersion) <= Number(revision))).toBe(true);
    const all = await client.kind("Pod").list({ namespace: "paging" });
    const expected = all.items
      .filter((p) => Number(p.metadata?.resourceVersion) <= Number(revision))
      .map((p) => p.metadata?.name);
    expect(names).toEqual(expected);
  });

  it("answers OUT_OF_RANGE for a continue token it no longer has", async () => {
    const e = await failure(
      client.kind("Pod").list({ namespace: "paging", limit: 10, continue: "unknown-snapshot.10" }),
    );
    expect(e.code).toBe(status.OUT_OF_RANGE);
  });
});

describe("watch", () => {
  async function collect<T>(
    it: AsyncGenerator<WatchEvent<T>>,
    n: number,
  ): Promise<WatchEvent<T>[]> {
    const out: WatchEvent<T>[] = [];
    for await (const e of it) {
      out.push(e);
      if (out.length >= n) break;
    }
    return out;
  }

  it("sends current objects, a bookmark ending them, then changes", async () => {
    await client.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: "watched" } }));
    await client.kind("Pod").create(pod("existing", "watched"));
    const ac = new AbortController();
    const events = client.kind("Pod").watch({ namespace: "watched", signal: ac.signal });
    const first = await collect(events, 2);
    expect(first[0]?.type).toBe("ADDED");
    expect(first[0]?.object.metadata?.name).toBe("existing");
    expect(first[1]?.type).toBe("BOOKMARK");
    expect(first[1]?.object.metadata?.annotations["k8s.io/initial-events-end"]).toBe("true");
    ac.abort();
  });

  it("resumes from a retained version and sees every change once, in order", async () => {
    const start = await client.kind("Pod").list({ namespace: "watched" });
    const from = start.metadata.resourceVersion;
    const created = await client.kind("Pod").create(pod("w1", "watched", { role: "a" }));
    const updated = await client
      .kind("Pod")
      .patch("w1", { metadata: { labels: { role: "b" } } }, { namespace: "watched" });
    await client.kind("Pod").delete("w1", { namespace: "watched" });
    const ac = new AbortController();
    const got = await collect(
      client.kind("Pod").watch({ namespace: "watched", resourceVersion: from, signal: ac.signal }),
      3,
    );
    ac.abort();
    expect(got.map((e) => e.type)).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    expect(got[0]?.object.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(got[1]?.object.metadata?.resourceVersion).toBe(updated.metadata?.resourceVersion);
    expect(Number(got[2]?.object.metadata?.resourceVersion)).toBeGreaterThan(
      Number(updated.metadata?.resourceVersion),
    );
  });

  it("turns selector transitions into ADDED and DELETED", async () => {
    const start = await client.kind("Pod").list({ namespace: "watched" });
    const ac = new AbortController();
    const it = client.kind("Pod").watch({
      namespace: "watched",
      labelSelector: "color=red",
      resourceVersion: start.metadata.resourceVersion,
      signal: ac.signal,
    });
    const events = collect(it, 2);
    await client.kind("Pod").create(pod("chameleon", "watched", { color: "blue" }));
    await client
      .kind("Pod")
      .patch("chameleon", { metadata: { labels: { color: "red" } } }, { namespace: "watched" });
    await client
      .kind("Pod")
      .patch("chameleon", { metadata: { labels: { color: "green" } } }, { namespace: "watched" });
    const got = await events;
    ac.abort();
    expect(got.map((e) => `${e.type} ${e.object.metadata?.labels.color ?? ""}`)).toEqual([
      "ADDED red",
      "DELETED green",
    ]);
  });

  it("delivers a node's pods to a watch on spec.nodeName across namespaces, as a kubelet needs", async () => {
    const start = await client.kind("Pod").list({ resourceVersion: "" });
    const ac = new AbortController();
    const events = collect(
      client.kind("Pod").watch({
        fieldSelector: "spec.nodeName=node-k",
        resourceVersion: start.metadata.resourceVersion,
        signal: ac.signal,
      }),
      2,
    );
    const p = await client.kind("Pod").create(pod("kubelet-pod", "watched"));
    await client.kind("Pod").create(pod("elsewhere", "watched"));
    await client.kind("Pod").bind("elsewhere", "node-other", { namespace: "watched" });
    await client
      .kind("Pod")
      .bind("kubelet-pod", "node-k", { namespace: "watched", uid: p.metadata?.uid });
    await client
      .kind("Pod")
      .delete("kubelet-pod", { namespace: "watched", options: { gracePeriodSeconds: 0 } });
    const got = await events;
    ac.abort();
    expect(got.map((e) => `${e.type} ${e.object.metadata?.name ?? ""}`)).toEqual([
      "ADDED kubelet-pod",
      "DELETED kubelet-pod",
    ]);
  });

  it("sends periodic bookmarks to watchers that allow them", async () => {
    const ac = new AbortController();
    const it = client.kind("Pod").watch({
      namespace: "watched",
      resourceVersion: "0",
      sendInitialEvents: false,
      allowWatchBookmarks: true,
      signal: ac.signal,
    });
    const [e] = await collect(it, 1);
    ac.abort();
    expect(e?.type).toBe("BOOKMARK");
    expect(Number(e?.object.metadata?.resourceVersion)).toBeGreaterThan(0);
  });

  it("streams a backlog far larger than the slow-client limit to a client that reads it", async () => {
    await client.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: "many" } }));
    const before = await client.kind("Pod").list({ namespace: "many" });
    for (let i = 0; i < 1200; i += 100)
      await Promise.all(
        Array.from({ length: 100 }, (_, j) => client.kind("Pod").create(pod(`m-${i + j}`, "many"))),
      );
    // This server closes watchers that fall 50 events behind on live changes; the
    // initial events and a replay of history are read at the client's pace instead.
    const ac = new AbortController();
    const initial = await collect(
      client.kind("Pod").watch({ namespace: "many", signal: ac.signal }),
      1201,
    );
    expect(initial.filter((e) => e.type === "ADDED")).toHaveLength(1200);
    expect(initial[1200]?.type).toBe("BOOKMARK");
    const replayed = await collect(
      client.kind("Pod").watch({
        namespace: "many",
        resourceVersion: before.metadata.resourceVersion,
        signal: ac.signal,
      }),
      1200,
    );
    expect(new Set(replayed.map((e) => e.object.metadata?.name)).size).toBe(1200);
    ac.abort();
  });

  it("disconnects a watcher that stops reading while another keeps receiving promptly", async () => {
    await client.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: "slow" } }));
    const slowClient = new ApiClient({ server: server.address });
    const slowAc = new AbortController();
    const slow = slowClient.kind("Pod").watch({
      namespace: "slow",
      resourceVersion: "0",
      sendInitialEvents: false,
      signal: slowAc.signal,
    });
    // Take one step so the stream is open, then stop reading.
    const slowFirst = slow.next();
    const fastAc = new AbortController();
    const latencies: number[] = [];
    const sent = new Map<string, number>();
    const fast = (async () => {
      for await (const e of client.kind("Pod").watch({
        namespace: "slow",
        resourceVersion: "0",
        sendInitialEvents: false,
        signal: fastAc.signal,
      })) {
        const t = sent.get(e.object.metadata?.name ?? "");
        if (t !== undefined) latencies.push(performance.now() - t);
        if (latencies.length >= 300) return;
      }
    })();
    const big = "x".repeat(16 * 1024);
    for (let i = 0; i < 300; i++) {
      const name = `s-${i}`;
      sent.set(name, performance.now());
      const p = pod(name, "slow");
      if (p.metadata !== undefined) p.metadata.annotations.payload = big;
      await client.kind("Pod").create(p);
    }
    await fast;
    fastAc.abort();
    latencies.sort((a, b) => a - b);
    expect(latencies.length).toBe(300);
    // The slow watcher was cut off: draining it ends with RESOURCE_EXHAUSTED.
    await slowFirst;
    const drained = await failure(
      (async () => {
        for await (const _ of slow) {
          /* drain */
        }
      })(),
    );
    expect(drained.code).toBe(status.RESOURCE_EXHAUSTED);
    slowAc.abort();
    slowClient.close();
  });
});

describe("service allocation", () => {
  it("gives 1,000 Services 1,000 distinct ClusterIPs and NodePorts from their ranges", async () => {
    await client.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: "svc" } }));
    const ips = new Set<string>();
    for (let i = 0; i < 1000; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          client.kind("Service").create(webService(`s-${i + j}`, "svc", (i + j) % 10 === 0)),
        ),
      );
      for (const s of batch) ips.add(s.spec?.clusterIP ?? "");
    }
    expect(ips.size).toBe(1000);
    for (const ip of ips) expect(ip).toMatch(/^10\.96\.\d+\.\d+$/);
    const list = await client.kind("Service").list({ namespace: "svc" });
    const ports = list.items.flatMap(
      (s) => s.spec?.ports.map((p) => p.nodePort).filter((p) => p !== undefined) ?? [],
    );
    expect(ports).toHaveLength(100);
    expect(new Set(ports).size).toBe(100);
    for (const p of ports) expect(p).toBeGreaterThanOrEqual(30000);
  });

  it("refuses a ClusterIP that is taken and releases one on delete", async () => {
    const a = await client.kind("Service").create(webService("fixed-a", "svc", false));
    const ip = a.spec?.clusterIP ?? "";
    const clash = webService("fixed-b", "svc", false);
    if (clash.spec !== undefined) clash.spec.clusterIP = ip;
    const e = await failure(client.kind("Service").create(clash));
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.violations[0]?.field).toBe("spec.clusterIP");
    await client.kind("Service").delete("fixed-a", { namespace: "svc" });
    const b = await client.kind("Service").create(clash);
    expect(b.spec?.clusterIP).toBe(ip);
  });
});

describe("without our code", () => {
  it("serves reflection: buf curl lists and calls every service", async () => {
    const url = `http://${server.address}`;
    const { stdout: listing } = await run(BUF, [
      "curl",
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      "--list-services",
      url,
    ]);
    for (const k of allKinds()) expect(listing).toContain(k.serviceName);
    for (const k of allKinds()) {
      const { stdout } = await run(BUF, [
        "curl",
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "-d",
        '{"limit": 1}',
        `${url}/${k.serviceName}/List`,
      ]);
      expect(JSON.parse(stdout)).toHaveProperty("metadata");
    }
    const { stdout } = await run(BUF, [
      "curl",
      "--protocol",
      "grpc",
      "--http2-prior-knowledge",
      "-d",
      '{"name":"default"}',
      `${url}/k8ts.api.v1.Namespaces/Get`,
    ]);
    expect(JSON.parse(stdout)).toMatchObject({
      metadata: { name: "default" },
      status: { phase: "Active" },
    });
  });

  it("waits for health", async () => {
    await waitFor("health SERVING", async () => {
      const { stdout } = await run(BUF, [
        "curl",
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "-d",
        "{}",
        `http://${server.address}/grpc.health.v1.Health/Check`,
      ]);
      return (JSON.parse(stdout) as { status?: string }).status === "SERVING" ? true : undefined;
    });
  });
});
