// Several apiservers on one Redis and one NATS (docs/store.md section 3): what a client
// writes through one is seen, once and in order, by a client watching another; crashes of
// an apiserver and restarts of NATS or Redis lose nothing acknowledged and need no client
// restart.
import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { status } from "@grpc/grpc-js";
import { ApiClient, ApiStatusError, type WatchEvent, waitFor } from "@k8ts/sdk";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import {
  NatsServerProcess,
  RedisServerProcess,
  missingStoreBinaries,
} from "@k8ts/apiserver/testing/store-servers";
import { Namespace } from "@k8ts/sdk/gen/k8ts/api/v1/namespace.js";
import type { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { smallPod } from "./fixtures.js";

const missing = missingStoreBinaries();
const skip = missing.length > 0 && process.env.CI !== "true";

describe.skipIf(skip)(
  `apiservers sharing Redis and NATS${skip ? ` (needs ${missing.join(", ")})` : ""}`,
  () => {
    let redis: RedisServerProcess;
    let nats: NatsServerProcess;
    const cleanups: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      if (missing.length > 0)
        throw new Error(`missing ${missing.join(", ")}: run infra/install-deps.sh`);
      [redis, nats] = await Promise.all([RedisServerProcess.start(), NatsServerProcess.start()]);
    });
    afterAll(async () => {
      await Promise.all([redis?.dispose(), nats?.dispose()]);
    });
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** Two apiservers (or more) on one fresh prefix. */
    const cluster = async (count = 2): Promise<ApiServerProcess[]> => {
      const prefix = `e2e-${randomUUID()}`;
      const args = ["--store", redis.url, "--bus", nats.url, "--store-prefix", prefix];
      const servers = await Promise.all(
        Array.from({ length: count }, () => ApiServerProcess.start({ args })),
      );
      cleanups.push(async () => {
        await Promise.all(servers.map((server) => server.dispose()));
      });
      return servers;
    };

    const client = (server: ApiServerProcess, attempts?: number): ApiClient => {
      const c = new ApiClient({
        server: server.address,
        ...(attempts === undefined ? {} : { attempts }),
      });
      cleanups.push(() => Promise.resolve(c.close()));
      return c;
    };

    /** Collects pod watch events from a version, in the background. */
    const watchPods = (c: ApiClient, namespace: string, resourceVersion: string) => {
      const ac = new AbortController();
      const events: WatchEvent<Pod>[] = [];
      const done = (async () => {
        for await (const e of c
          .kind("Pod")
          .watch({ namespace, resourceVersion, signal: ac.signal })) {
          if (e.type !== "BOOKMARK") events.push(e);
        }
      })().catch((error: unknown) => error);
      cleanups.push(async () => {
        ac.abort();
        await done;
      });
      return events;
    };

    const names = (events: readonly WatchEvent<Pod>[]): string[] =>
      events.map((e) => `${e.type} ${e.object.metadata?.name ?? ""}`);
    const versions = (events: readonly WatchEvent<Pod>[]): number[] =>
      events.map((e) => Number(e.object.metadata?.resourceVersion));

    it("a write through A is listed at once through B and watched there once, in order", async () => {
      const [a, b] = await cluster();
      if (a === undefined || b === undefined) throw new Error("no cluster");
      const onA = client(a);
      const onB = client(b);
      await onA.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: "shared" } }));
      const start = await onB.kind("Pod").list({ namespace: "shared" });
      const watched = watchPods(onB, "shared", start.metadata.resourceVersion);
      // A create on A followed by a list on B always contains it.
      for (let i = 0; i < 20; i++) {
        await onA.kind("Pod").create(smallPod(`seq-${i}`, "shared"));
        const listed = await onB.kind("Pod").list({ namespace: "shared" });
        expect(listed.items.map((p) => p.metadata?.name)).toContain(`seq-${i}`);
      }
      // Writers on both, concurrently.
      const created = await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          const via = w % 2 === 0 ? onA : onB;
          for (let i = 0; i < 25; i++)
            await via.kind("Pod").create(smallPod(`w${w}-${i}`, "shared"));
        }),
      );
      expect(created).toHaveLength(8);
      await waitFor("220 events on B", () => watched.length >= 220 || undefined);
      expect(new Set(names(watched)).size).toBe(220);
      const seen = versions(watched);
      expect([...seen].sort((x, y) => x - y)).toEqual(seen);
    });

    it("kill -9 of an apiserver during 10,000 writes from several clients: every acknowledged write is kept and watched on the other", async () => {
      const [a, b] = await cluster();
      if (a === undefined || b === undefined) throw new Error("no cluster");
      // Four clients (connections) to A, four writers each, no retries: a write either
      // was acknowledged before A died, or failed.
      const onA = Array.from({ length: 4 }, () => client(a, 1));
      const onB = client(b);
      await onB.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: "crash" } }));
      const start = await onB.kind("Pod").list({ namespace: "crash" });
      const watched = watchPods(onB, "crash", start.metadata.resourceVersion);
      const acknowledged = new Map<string, string>();
      const TOTAL = 10_000;
      let issued = 0;
      const writers = Array.from({ length: 16 }, async (_, w) => {
        const via = onA[w % onA.length];
        if (via === undefined) return;
        while (issued < TOTAL) {
          const name = `p-${issued++}`;
          try {
            const p = await via.kind("Pod").create(smallPod(name, "crash"));
            acknowledged.set(name, p.metadata?.resourceVersion ?? "");
          } catch (e) {
            if (e instanceof ApiStatusError) return; // A died under this write
            throw e;
          }
        }
      });
      // Killed half-way through the 10,000.
      await waitFor(
        "5,000 writes through A",
        () => acknowledged.size >= TOTAL / 2 || undefined,
        60_000,
      );
      await a.kill();
      await Promise.all(writers);
      expect(acknowledged.size).toBeLessThan(TOTAL);
      const listed = await onB.kind("Pod").list({ namespace: "crash" });
      const stored = new Map(
        listed.items.map((p) => [p.metadata?.name ?? "", p.metadata?.resourceVersion ?? ""]),
      );
      for (const [name, rv] of acknowledged) expect(stored.get(name), name).toBe(rv);
      // Including the last ones, which A may never have published (the tail check).
      await waitFor(
        `every stored pod (${listed.items.length}) watched on B`,
        () => watched.length >= listed.items.length || undefined,
      );
      expect(new Set(names(watched)).size).toBe(listed.items.length);
      const seen = versions(watched);
      expect([...seen].sort((x, y) => x - y)).toEqual(seen);
    }, 120_000);

    it("restarting nats-server during writes: watchers on every apiserver get every event once, in order", async () => {
      const [a, b] = await cluster();
      if (a === undefined || b === undefined) throw new Error("no cluster");
      const onA = client(a);
      const onB = client(b);
      await onA.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: "bus" } }));
      const start = await onA.kind("Pod").list({ namespace: "bus" });
      const watchedOnA = watchPods(onA, "bus", start.metadata.resourceVersion);
      const watchedOnB = watchPods(onB, "bus", start.metadata.resourceVersion);
      let written = 0;
      let stop = false;
      const writers = [onA, onB].map(async (via, s) => {
        for (let i = 0; !stop; i++) {
          await via.kind("Pod").create(smallPod(`s${s}-${i}`, "bus"));
          written++;
        }
      });
      await waitFor("writes before the restart", () => written >= 100 || undefined);
      await nats.kill();
      const during = written;
      await waitFor("writes while NATS is down", () => written >= during + 100 || undefined);
      await nats.start();
      const restarted = Date.now();
      // Long enough for both apiservers to reconnect while writes go on.
      await waitFor("writes after the restart", () => Date.now() - restarted > 1_500 || undefined);
      stop = true;
      await Promise.all(writers);
      for (const watched of [watchedOnA, watchedOnB]) {
        await waitFor(`all ${written} events`, () => watched.length >= written || undefined);
        expect(new Set(names(watched)).size).toBe(written);
        const seen = versions(watched);
        expect([...seen].sort((x, y) => x - y)).toEqual(seen);
      }
    }, 60_000);

    it("restarting redis-server: UNAVAILABLE meanwhile, nothing acknowledged lost, resumes by itself", async () => {
      const [a] = await cluster(1);
      if (a === undefined) throw new Error("no cluster");
      const c = client(a, 1);
      await c.kind("Namespace").create(Namespace.fromPartial({ metadata: { name: "db" } }));
      const acknowledged: string[] = [];
      for (let i = 0; i < 50; i++)
        acknowledged.push(
          (await c.kind("Pod").create(smallPod(`p${i}`, "db"))).metadata?.name ?? "",
        );
      await redis.kill();
      const refused = await c
        .kind("Pod")
        .create(smallPod("while-down", "db"))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(refused).toBeInstanceOf(ApiStatusError);
      expect((refused as ApiStatusError).code).toBe(status.UNAVAILABLE);
      await redis.start();
      await waitFor(
        "a write after the restart",
        () =>
          c
            .kind("Pod")
            .create(smallPod("after", "db"))
            .then(
              () => true,
              (e: unknown) => {
                if (e instanceof ApiStatusError && e.code === status.UNAVAILABLE) return undefined;
                throw e;
              },
            ),
        20_000,
      );
      const listed = await c.kind("Pod").list({ namespace: "db" });
      expect(listed.items.map((p) => p.metadata?.name)).toEqual(
        expect.arrayContaining([...acknowledged, "after"]),
      );
    }, 60_000);
  },
);
