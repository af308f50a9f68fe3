// A watch cache whose store watch fails reloads from the store by itself: no apiserver
// restart. The store is a real embedded store; only its watch is made to fail, as a Redis
// store's does when the server was gone too long or the cache fell behind its history.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EVERYTHING, lookupKind } from "@k8ts/sdk";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { encodeStored } from "../registry/envelope.js";
import { objectKey } from "../registry/keys.js";
import { openEmbeddedStore } from "../storage/embedded/embedded-store.js";
import { StoreFailedError } from "../storage/errors.js";
import type { Store, WatchEvent } from "../storage/store.js";
import { WatchCache, type WatchDelivery } from "./watch-cache.js";

const podKind = lookupKind("Pod");
if (podKind === undefined) throw new Error("no Pod kind");
const kind = podKind;

function podValue(name: string): Uint8Array {
  return encodeStored(kind, Pod.fromPartial({ metadata: { name, namespace: "default" } }));
}

/** The store, with a watch that fails (once per failNext()) after delivering one event. */
function failingWatches(store: Store): Store & { failNext(): void; watchesOpened: number } {
  let fail = false;
  const wrapper = Object.create(store) as Store & { failNext(): void; watchesOpened: number };
  wrapper.watchesOpened = 0;
  wrapper.failNext = () => {
    fail = true;
  };
  wrapper.watch = (prefix, from, signal) => {
    wrapper.watchesOpened++;
    const inner = store.watch(prefix, from, signal);
    const failThis = (): boolean => fail;
    return {
      [Symbol.asyncIterator]() {
        return this;
      },
      async next(): Promise<IteratorResult<WatchEvent>> {
        const r = await inner.next();
        if (failThis() && r.done !== true) {
          fail = false;
          await inner.return?.();
          throw new StoreFailedError(new Error("injected: the store's change feed broke"), false);
        }
        return r;
      },
      return: async () => {
        await inner.return?.();
        return { done: true, value: undefined };
      },
    };
  };
  return wrapper;
}

async function until(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("watch cache recovery", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("reloads after its store watch fails: serves again, with writes made meanwhile", async () => {
    const dir = await mkdtemp(join(tmpdir(), "k8ts-cache-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const real = await openEmbeddedStore({ dataDir: dir });
    cleanups.push(() => real.close());
    const store = failingWatches(real);
    const failures: Error[] = [];
    const recovered: number[] = [];
    const cache = new WatchCache(store, {
      onFailure: (e) => failures.push(e),
      onRecovered: (r) => recovered.push(r),
      recoveryBackoffMs: { initial: 10, max: 50 },
    });
    await cache.start();
    cleanups.push(() => cache.stop());
    const filter = { kind, namespace: "", labels: EVERYTHING, fields: undefined };

    await real.create(objectKey(kind, "default", "a"), podValue("a"));
    // A watcher of the cache is ended when it fails (it re-watches, as clients do).
    const ended: Error[] = [];
    const seen: WatchDelivery[] = [];
    cache.watch(filter, "initial", {
      backlog: () => undefined,
      deliver: (d) => seen.push(d),
      terminate: (e) => ended.push(e),
    });

    store.failNext();
    await real.create(objectKey(kind, "default", "b"), podValue("b"));
    await until("the failure", () => failures.length === 1);
    expect(ended).toHaveLength(1);
    // Meanwhile reads are refused rather than answered from a partial cache; a write
    // during the outage is in the cache once it has reloaded.
    await real.create(objectKey(kind, "default", "c"), podValue("c"));
    await until("the reload", () => recovered.length === 1);
    const revision = await real.currentRevision();
    await cache.waitFor(revision);
    expect(cache.list(filter).map((o) => o.object.metadata?.name)).toEqual(["a", "b", "c"]);
    expect(store.watchesOpened).toBe(2);

    // And it follows the store again.
    await real.create(objectKey(kind, "default", "d"), podValue("d"));
    await cache.waitFor(revision + 1);
    expect(cache.get(objectKey(kind, "default", "d"))).toBeDefined();
  });

  it("refuses reads while it cannot reload, and serves once the store answers again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "k8ts-cache-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const real = await openEmbeddedStore({ dataDir: dir });
    cleanups.push(() => real.close());
    const store = failingWatches(real);
    let scanDown = false;
    const scan = store.scan.bind(store);
    store.scan = (o) =>
      scanDown
        ? Promise.reject(new StoreFailedError(new Error("injected: store unreachable"), false))
        : scan(o);
    const failures: Error[] = [];
    const cache = new WatchCache(store, {
      onFailure: (e) => failures.push(e),
      recoveryBackoffMs: { initial: 10, max: 20 },
    });
    await cache.start();
    cleanups.push(() => cache.stop());
    const filter = { kind, namespace: "", labels: EVERYTHING, fields: undefined };

    scanDown = true;
    store.failNext();
    await real.create(objectKey(kind, "default", "a"), podValue("a"));
    await until("several failed reloads", () => failures.length >= 3);
    expect(() => cache.list(filter)).toThrow(/reloading/);
    await expect(cache.waitFor(1)).rejects.toThrow(/failed/);

    scanDown = false;
    await until("serving again", () => {
      try {
        return cache.list(filter).length === 1;
      } catch {
        return false;
      }
    });
  });
});
