// The Redis backend against real redis-server and nats-server: the Store conformance
// suite unchanged, then what only this backend has (NATS fan-out, gap repair, the tail
// check, server restarts). Uses the servers `make test` started (K8TS_TEST_REDIS_URL,
// K8TS_TEST_NATS_URL) or starts its own; tests that stop a server start their own.

import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { runStoreConformance, waitFor } from "../conformance/index.js";
import { nextWithin } from "../conformance/wait-for.js";
import { StoreUnavailableError } from "../errors.js";
import type { Store, WatchEvent } from "../store.js";
import {
  NatsServerProcess,
  RedisServerProcess,
  SharedStoreServers,
  missingStoreBinaries,
} from "../../testing/store-servers.js";
import { storeLayout } from "./key-layout.js";
import { parseRedisLocation } from "./redis-child-opener.js";
import { deleteRedisStore, openRedisStore, type RedisStoreOptions } from "./redis-store.js";
import { StoreCommands } from "./store-commands.js";

const missing = missingStoreBinaries();
const servers = new SharedStoreServers();
afterAll(() => servers.stop());

if (missing.length > 0 && process.env.CI !== "true") {
  describe.skip(`Redis store (needs ${missing.join(", ")}: run infra/install-deps.sh)`, () => {
    it("is skipped", () => undefined);
  });
} else if (missing.length > 0) {
  describe("Redis store", () => {
    it("has its servers installed", () => {
      throw new Error(`missing ${missing.join(", ")}: run infra/install-deps.sh`);
    });
  });
} else {
  runStoreConformance({
    name: "redis",
    newLocation: async () => JSON.stringify({ ...(await servers.urls()), prefix: newPrefix() }),
    removeLocation: async (location) => {
      const { redisUrl, prefix } = parseRedisLocation(location);
      await deleteRedisStore(redisUrl, prefix);
    },
    open: (location, options) => openRedisStore({ ...parseRedisLocation(location), ...options }),
    childModule: new URL("./redis-child-opener.js", import.meta.url),
    unsupported: {
      exclusiveOwnership:
        "several apiservers share one Redis by design: a store has no single owner to lock out others",
    },
  });
  describeRedisBackend();
}

function newPrefix(): string {
  return `test-${randomUUID()}`;
}

function bytes(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

function text(value: Uint8Array | undefined): string | undefined {
  return value === undefined ? undefined : new TextDecoder().decode(value);
}

function describeEvent(event: WatchEvent): string {
  return `${event.revision} ${event.type} ${event.key} ${text(event.value) ?? ""}`;
}

/** Collects a watcher's events in the background, for tests that check them at the end. */
class Collector {
  readonly events: WatchEvent[] = [];
  private readonly abort = new AbortController();
  readonly done: Promise<unknown>;

  constructor(store: Store, from = 0) {
    const watcher = store.watch("", from, this.abort.signal);
    this.done = (async () => {
      for await (const event of watcher) this.events.push(event);
    })().catch((error: unknown) => error);
  }

  revisions(): number[] {
    return this.events.map((event) => event.revision);
  }

  async waitForRevision(revision: number, timeoutMs = 10_000): Promise<void> {
    await waitFor(
      `revision ${revision}`,
      () => (this.events.at(-1)?.revision ?? 0) >= revision,
      () => `last ${String(this.events.at(-1)?.revision)} of ${this.events.length}`,
      { timeoutMs, intervalMs: 10 },
    );
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }
}

/** The watcher's next event, or an error naming `what`. */
async function nextEvent(
  watcher: AsyncIterableIterator<WatchEvent>,
  what: string,
  timeoutMs = 5_000,
): Promise<WatchEvent> {
  const result = await nextWithin(watcher, timeoutMs, what);
  if (result.done === true) throw new Error(`the watch ended before ${what}`);
  return result.value;
}

function range(first: number, last: number): number[] {
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
}

function describeRedisBackend(): void {
  describe("Redis store backend", () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    const open = async (options: Partial<RedisStoreOptions> = {}): Promise<Store> => {
      const urls = await servers.urls();
      const store = await openRedisStore({ ...urls, prefix: newPrefix(), ...options });
      cleanups.push(() => store.close());
      return store;
    };

    /** A write committed by "another apiserver" that died before publishing it. */
    const commitWithoutPublishing = async (
      redisUrl: string,
      prefix: string,
      key: string,
      value: string,
    ): Promise<number> => {
      const redis = new Redis(redisUrl, { protocol: 2 });
      try {
        const commands = new StoreCommands(redis, storeLayout(prefix), redisUrl, "dead-publisher");
        const reply = await commands.write("create", Buffer.from(key), bytes(value), 0);
        if (reply.status !== "ok") throw new Error(`rogue write: ${reply.status}`);
        return reply.revision;
      } finally {
        redis.disconnect();
      }
    };

    it("two stores on one prefix (two apiservers): writes on either, every event once, in order, on both", async () => {
      const prefix = newPrefix();
      const a = await open({ prefix });
      const b = await open({ prefix });
      const onA = new Collector(a);
      const onB = new Collector(b);
      await Promise.all(
        [a, b].map(async (store, s) => {
          for (let i = 0; i < 100; i++) await store.create(`s${s}/k${i}`, bytes(`${i}`));
        }),
      );
      // A write on A is visible to a read on B at once (one Redis).
      const created = await a.create("read-after-write", bytes("x"));
      expect((await b.get("read-after-write"))?.modRevision).toBe(created.modRevision);
      expect(await b.currentRevision()).toBe(201);
      await onA.waitForRevision(201);
      await onB.waitForRevision(201);
      expect(onA.revisions()).toEqual(range(1, 201));
      expect(onB.revisions()).toEqual(range(1, 201));
      await Promise.all([onA.stop(), onB.stop()]);
    });

    it("batches concurrent writes into pipelines and reloads its scripts after SCRIPT FLUSH", async () => {
      const { redisUrl } = await servers.urls();
      const redis = new Redis(redisUrl, { protocol: 2 });
      cleanups.push(() => Promise.resolve(redis.disconnect()));
      const commands = new StoreCommands(redis, storeLayout(newPrefix()), redisUrl, "batching");
      await commands.write("create", Buffer.from("/warm"), bytes("w"), 0);
      // Redis forgets every script: the whole next batch is refused NOSCRIPT, then rerun.
      await redis.call("SCRIPT", "FLUSH");
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          commands.write("create", Buffer.from(`/k${i}`), bytes(`v${i}`), 0),
        ),
      );
      expect(replies.map((r) => r.status)).toEqual(Array.from({ length: 50 }, () => "ok"));
      const revisions = replies.map((r) => (r.status === "ok" ? r.revision : 0));
      expect(new Set(revisions).size).toBe(50);
      // One turn's calls share a pipeline: far fewer pipelines than calls.
      expect(commands.batching.pipelines).toBeLessThan(commands.batching.calls / 10);
    });

    it("repairs a gap from the change log when a later event reveals it", async () => {
      const { redisUrl } = await servers.urls();
      const prefix = newPrefix();
      // The tail check is far away: only the gap can trigger the repair.
      const watching = await open({ prefix, events: { tailCheckIntervalMs: 600_000 } });
      const writer = await open({ prefix });
      const watcher = watching.watch("", 0);
      await commitWithoutPublishing(redisUrl, prefix, "lost", "1");
      await writer.create("published", bytes("2"));
      const started = Date.now();
      const first = await nextEvent(watcher, "the lost event");
      const second = await nextEvent(watcher, "the published event");
      expect([first, second].map(describeEvent)).toEqual(["1 ADDED lost 1", "2 ADDED published 2"]);
      expect(Date.now() - started).toBeLessThan(2_000);
      await watcher.return?.();
    });

    it("the tail check delivers a write whose publish never happened, with no later write", async () => {
      const { redisUrl } = await servers.urls();
      const prefix = newPrefix();
      const store = await open({ prefix });
      const watcher = store.watch("", 0);
      const started = Date.now();
      await commitWithoutPublishing(redisUrl, prefix, "orphan", "o");
      const next = await nextEvent(watcher, "the unpublished event");
      expect(next).toMatchObject({ key: "orphan", revision: 1 });
      // Tail check every second: delivered within about one interval.
      expect(Date.now() - started).toBeLessThan(2_500);
      await watcher.return?.();
    });

    it("fetches events over the message size cap from the change log", async () => {
      const prefix = newPrefix();
      const watching = await open({ prefix, events: { tailCheckIntervalMs: 600_000 } });
      const writer = await open({ prefix, events: { maxMessageBytes: 64 } });
      const watcher = watching.watch("", 0);
      const big = "x".repeat(100_000);
      await writer.create("big", bytes(big));
      const next = await nextEvent(watcher, "the big event");
      expect(next.key).toBe("big");
      expect(text(next.value)).toBe(big);
      await watcher.return?.();
    });

    it("a NATS restart during a write stream: every watcher gets every event once, in order", async () => {
      const { redisUrl } = await servers.urls();
      const nats = await NatsServerProcess.start();
      cleanups.push(() => nats.dispose());
      const prefix = newPrefix();
      const a = await open({ prefix, redisUrl, natsUrl: nats.url });
      const b = await open({ prefix, redisUrl, natsUrl: nats.url });
      const onA = new Collector(a);
      const onB = new Collector(b);
      const stop = new AbortController();
      let written = 0;
      const writers = [a, b].map(async (store, s) => {
        for (let i = 0; !stop.signal.aborted; i++) {
          await store.create(`s${s}/k${i}`, bytes(`${i}`));
          written++;
        }
      });
      await waitFor("writes before the restart", () => written >= 100);
      await nats.kill();
      const during = written;
      await waitFor("writes while NATS is down", () => written >= during + 100);
      await nats.start();
      const after = written;
      // Long enough for both clients to reconnect (250 ms back-off) while writes go on.
      const restarted = Date.now();
      await waitFor(
        "writes after the restart",
        () => written >= after + 100 && Date.now() - restarted > 1_500,
      );
      stop.abort();
      await Promise.all(writers);
      const last = await a.currentRevision();
      expect(last).toBe(written);
      await onA.waitForRevision(last);
      await onB.waitForRevision(last);
      expect(onA.revisions()).toEqual(range(1, last));
      expect(onB.revisions()).toEqual(range(1, last));
      await Promise.all([onA.stop(), onB.stop()]);
    }, 60_000);

    it("a Redis kill -9 and restart: unavailable meanwhile, no acknowledged write lost, resumes by itself", async () => {
      const redis = await RedisServerProcess.start();
      cleanups.push(() => redis.dispose());
      const { natsUrl } = await servers.urls();
      const store = await open({ redisUrl: redis.url, natsUrl });
      const events = new Collector(store);
      const acked = new Map<string, number>();
      for (let i = 0; i < 200; i++) {
        acked.set(`k${i}`, (await store.create(`k${i}`, bytes(`${i}`))).modRevision);
      }
      await redis.kill();
      const down = await store.create("while-down", bytes("x")).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(down).toBeInstanceOf(StoreUnavailableError);
      expect(down).toMatchObject({ service: "redis", address: redis.url });
      await expect(store.get("k1")).rejects.toBeInstanceOf(StoreUnavailableError);
      await redis.start();
      // ioredis reconnects on its own; the store needs nothing from the caller.
      const after = await waitFor(
        "a write after the restart",
        () =>
          store.create("after-restart", bytes("y")).then(
            (kv) => kv,
            (error: unknown) => {
              if (error instanceof StoreUnavailableError) return undefined;
              throw error;
            },
          ),
        () => "still unavailable",
        { timeoutMs: 20_000, intervalMs: 50 },
      );
      expect(after.modRevision).toBe(201);
      for (const [key, revision] of acked) {
        expect((await store.get(key))?.modRevision).toBe(revision);
      }
      await events.waitForRevision(201);
      expect(events.revisions()).toEqual(range(1, 201));
      await events.stop();
    }, 60_000);

    it("refuses to open, naming the server, when Redis or NATS is unreachable", async () => {
      const urls = await servers.urls();
      const noRedis = await openRedisStore({
        ...urls,
        redisUrl: "redis://127.0.0.1:1",
        prefix: newPrefix(),
      }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(noRedis).toBeInstanceOf(StoreUnavailableError);
      expect(noRedis).toMatchObject({ service: "redis", address: "redis://127.0.0.1:1" });
      const noNats = await openRedisStore({
        ...urls,
        natsUrl: "nats://127.0.0.1:1",
        prefix: newPrefix(),
      }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(noNats).toBeInstanceOf(StoreUnavailableError);
      expect(noNats).toMatchObject({ service: "nats", address: "nats://127.0.0.1:1" });
    });
  });
}
