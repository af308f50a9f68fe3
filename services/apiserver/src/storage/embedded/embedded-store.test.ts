import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { open } from "lmdb";
import { afterEach, describe, expect, it } from "vitest";
import { runStoreConformance, waitFor } from "../conformance/index.js";
import { DataDirLockedError, StoreCorruptError } from "../errors.js";
import type { Store, WatchEvent } from "../store.js";
import { openEmbeddedStore, type EmbeddedStoreOptions } from "./embedded-store.js";

const CHILD_OPENER = new URL("./embedded-child-opener.js", import.meta.url);

runStoreConformance({
  name: "embedded (LMDB)",
  newLocation: () => mkdtemp(join(tmpdir(), "k8ts-store-")),
  removeLocation: (location) => rm(location, { recursive: true, force: true }),
  open: (location, options) => openEmbeddedStore({ dataDir: location, ...options }),
  childModule: CHILD_OPENER,
});

// What the suite cannot say about every backend: the embedded store's own promises.
describe("embedded store", () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  async function dataDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "k8ts-store-"));
    dirs.push(dir);
    return dir;
  }

  async function openStore(options: EmbeddedStoreOptions): Promise<Store> {
    const store = await openEmbeddedStore(options);
    stores.push(store);
    return store;
  }

  it("names the data dir (and the holder's pid) when it refuses a second owner", async () => {
    const dir = await dataDir();
    const store = await openEmbeddedStore({ dataDir: dir });
    stores.push(store);
    const inProcess = await openEmbeddedStore({ dataDir: dir }).catch((error: unknown) => error);
    expect(inProcess).toBeInstanceOf(DataDirLockedError);
    expect(inProcess).toMatchObject({ holder: "this-process", dataDir: store.dataDir });
    expect(String(inProcess)).toContain(store.dataDir);

    const child = fileURLToPath(new URL("../conformance/store-child.js", import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [
      child,
      CHILD_OPENER.href,
      dir,
      "open",
    ]);
    expect(stdout.trim()).toBe(
      `REFUSED DATA_DIR_LOCKED data dir ${store.dataDir} is locked by another process (pid ${process.pid})`,
    );
    expect(await readFile(join(dir, "LOCK"), "utf8")).toBe(`${process.pid}\n`);
  });

  it("serves watchers that fell behind the in-memory ring from the on-disk log", async () => {
    const store = await openStore({ dataDir: await dataDir(), eventRing: { maxEvents: 4 } });
    const early = store.watch("", 0);
    const prefixed = store.watch("odd/", 0);
    let last = await store.create("k", bytes("0"));
    for (let i = 1; i < 600; i++) {
      if (i % 2 === 1) await store.create(`odd/${i}`, bytes(`${i}`));
      else last = await store.update("k", bytes(`${i}`), last.modRevision);
    }
    const all = await take(early, 600);
    expect(all.map((event) => event.revision)).toEqual(range(1, 600));
    const updates = all.filter((event) => event.key === "k" && event.type === "MODIFIED");
    for (const event of updates) {
      expect(Number(text(event.prevValue))).toBe(Number(text(event.value)) - 2);
    }
    const odd = await take(prefixed, 300);
    expect(odd.every((event) => event.key.startsWith("odd/") && event.type === "ADDED")).toBe(true);
    expect(odd.map((event) => event.revision)).toEqual(range(1, 300).map((i) => 2 * i));
  });

  it("commits queued writes in batches of at most maxBatchWrites, in revision order", async () => {
    const ranges: [number, number][] = [];
    const store = await openStore({
      dataDir: await dataDir(),
      maxBatchWrites: 4,
      afterFlush: (first, last) => {
        ranges.push([first, last]);
        return Promise.resolve();
      },
    });
    const written = await Promise.all(
      Array.from({ length: 41 }, (_, i) => store.create(`k${i}`, bytes(`${i}`))),
    );
    expect(written.map((kv) => kv.modRevision)).toEqual(range(1, 41));
    expect(ranges.every(([first, last]) => last - first < 4)).toBe(true);
    expect(ranges.flatMap(([first, last]) => range(first, last))).toEqual(range(1, 41));
  });

  it("compaction deletes superseded versions and deletes from disk", async () => {
    const dir = await dataDir();
    const store = await openEmbeddedStore({
      dataDir: dir,
      history: { windowMs: 1, minRevisions: 1, compactionIntervalMs: 5 },
    });
    let a = await store.create("a", bytes("0"));
    for (let i = 1; i < 50; i++) a = await store.update("a", bytes(`${i}`), a.modRevision);
    const b = await store.create("b", bytes("b"));
    await store.delete("b", b.modRevision);
    await store.create("c", bytes("c"));
    const compacted = await waitFor("compaction", async () => {
      const revision = await store.compactRevision();
      return revision >= 40 ? revision : undefined;
    });
    await store.close();
    // Below the compaction point only each live key's version as of that point remains.
    const root = open({ path: join(dir, "lmdb"), readOnly: true });
    const log = root.openDB({ name: "log", encoding: "binary", keyEncoding: "binary" });
    const below = [...log.getKeys({ end: revisionKey(compacted + 1) })].length;
    await root.close();
    expect(below).toBeLessThanOrEqual(2);
    const reopened = await openStore({ dataDir: dir });
    expect(await reopened.compactRevision()).toBeGreaterThanOrEqual(compacted);
    expect(text((await reopened.get("a"))?.value)).toBe("49");
    expect(await reopened.get("b")).toBeUndefined();
  });

  it("compacts a long history in steps, keeping each key's latest version", async () => {
    const dir = await dataDir();
    const store = await openEmbeddedStore({
      dataDir: dir,
      history: { windowMs: 1, minRevisions: 10, compactionIntervalMs: 5 },
    });
    stores.push(store);
    // 40 writers, 75 writes each: 3,000 revisions, three compaction steps and more.
    await Promise.all(
      Array.from({ length: 40 }, async (_, w) => {
        let current = await store.create(`k${w}`, bytes("0"));
        for (let i = 1; i < 75; i++) {
          current = await store.update(`k${w}`, bytes(`${i}`), current.modRevision);
        }
      }),
    );
    const current = await store.currentRevision();
    expect(current).toBe(3000);
    const compacted = await waitFor("compaction in steps", async () => {
      const revision = await store.compactRevision();
      return revision >= 2900 ? revision : undefined;
    });
    await store.close();
    const root = open({ path: join(dir, "lmdb"), readOnly: true });
    const meta = root.openDB({ name: "meta", encoding: "binary", keyEncoding: "binary" });
    const log = root.openDB({ name: "log", encoding: "binary", keyEncoding: "binary" });
    const settled = meta.getBinary(Buffer.from("compactRevision"))?.readUInt32BE(4) ?? 0;
    const below = [...log.getKeys({ end: revisionKey(settled + 1) })].length;
    await root.close();
    expect(settled).toBeGreaterThanOrEqual(compacted);
    // At most one version per key remains at or below the compaction point.
    expect(below).toBeLessThanOrEqual(40);

    const reopened = await openStore({ dataDir: dir });
    const listed = await reopened.scan({ prefix: "k" });
    expect(listed.items).toHaveLength(40);
    expect(listed.items.every((item) => text(item.value) === "74")).toBe(true);
    const events = await take(reopened.watch("", settled), current - settled);
    expect(events.map((event) => event.revision)).toEqual(range(settled + 1, current));
    for (const event of events) {
      expect(Number(text(event.prevValue))).toBe(Number(text(event.value)) - 1);
    }
  });

  it("refuses a data dir in an unknown format, and releases it again", async () => {
    const dir = await dataDir();
    await (await openEmbeddedStore({ dataDir: dir })).close();
    const root = open({ path: join(dir, "lmdb") });
    const meta = root.openDB({ name: "meta", encoding: "binary", keyEncoding: "binary" });
    await meta.put(Buffer.from("format"), revisionKey(99));
    await root.close();
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await openEmbeddedStore({ dataDir: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreCorruptError);
      expect(String(error)).toContain("unsupported store format 99");
    }
  });
});

function bytes(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

function text(value: Uint8Array | undefined): string | undefined {
  return value === undefined ? undefined : new TextDecoder().decode(value);
}

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

function revisionKey(revision: number): Buffer {
  const key = Buffer.alloc(8);
  key.writeUInt32BE(revision, 4);
  return key;
}

async function take(
  watcher: AsyncIterableIterator<WatchEvent>,
  count: number,
): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  for await (const event of watcher) {
    events.push(event);
    if (events.length === count) break;
  }
  return events;
}
