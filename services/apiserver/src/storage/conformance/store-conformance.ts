// The Store conformance suite: one behavioural specification that every backend runs
// unchanged (see ./harness.ts for what a backend supplies, docs/store.md for how).

import { afterEach, describe, expect, it } from "vitest";
import {
  CompactedError,
  ConflictError,
  DataDirLockedError,
  InvalidArgumentError,
  KeyExistsError,
  KeyNotFoundError,
  StoreClosedError,
  StoreFailedError,
} from "../errors.js";
import type { Store, WatchEvent } from "../store.js";
import { Fixture } from "./fixture.js";
import type { StoreCapability, StoreHarness } from "./harness.js";
import { eventLoopTurns, nextWithin, track, waitFor } from "./wait-for.js";

const EVENT_TIMEOUT_MS = 10_000;

export function runStoreConformance(harness: StoreHarness): void {
  describe(`Store conformance: ${harness.name}`, () => {
    const fx = new Fixture(harness);
    afterEach(() => fx.cleanup());

    /** A test that needs a capability: skipped, with the backend's reason, if it lacks it. */
    const requires = (
      capability: StoreCapability,
      name: string,
      test: () => Promise<void>,
      timeoutMs?: number,
    ): void => {
      const reason = harness.unsupported?.[capability];
      if (reason === undefined) it(name, test, timeoutMs);
      else it.skip(`${name} [${capability} unsupported: ${reason}]`, test);
    };

    describe("revisions and conditional writes", () => {
      it("starts empty at revision 0; each successful write takes the next revision", async () => {
        const { store } = await fx.fresh();
        expect(await store.currentRevision()).toBe(0);
        expect(await store.compactRevision()).toBe(0);
        const a = await store.create("a", bytes("1"));
        expect(a).toMatchObject({ key: "a", createRevision: 1, modRevision: 1 });
        expect(text(a.value)).toBe("1");
        const b = await store.create("b", bytes("2"));
        expect(b.modRevision).toBe(2);
        expect(await store.currentRevision()).toBe(2);
      });

      it("create of an existing key fails with KeyExistsError and writes nothing", async () => {
        const { store } = await fx.fresh();
        await store.create("a", bytes("1"));
        const error = await rejection(store.create("a", bytes("2")), KeyExistsError);
        expect(error).toMatchObject({ key: "a", modRevision: 1, code: "KEY_EXISTS" });
        expect(text((await store.get("a"))?.value)).toBe("1");
        expect(await store.currentRevision()).toBe(1);
      });

      it("update is conditional on modRevision: missing, stale and current", async () => {
        const { store } = await fx.fresh();
        const missing = await rejection(store.update("a", bytes("x"), 1), KeyNotFoundError);
        expect(missing).toMatchObject({ key: "a", code: "KEY_NOT_FOUND" });
        const created = await store.create("a", bytes("1"));
        const updated = await store.update("a", bytes("2"), created.modRevision);
        expect(updated).toMatchObject({ key: "a", createRevision: 1, modRevision: 2 });
        const stale = await rejection(
          store.update("a", bytes("3"), created.modRevision),
          ConflictError,
        );
        expect(stale).toMatchObject({
          key: "a",
          expectedModRevision: 1,
          currentModRevision: 2,
          code: "CONFLICT",
        });
        expect(text((await store.get("a"))?.value)).toBe("2");
        expect(await store.currentRevision()).toBe(2);
      });

      it("delete is conditional on modRevision when given one", async () => {
        const { store } = await fx.fresh();
        await rejection(store.delete("a"), KeyNotFoundError);
        await rejection(store.delete("a", 1), KeyNotFoundError);
        const a = await store.create("a", bytes("1"));
        await store.update("a", bytes("2"), a.modRevision);
        const stale = await rejection(store.delete("a", a.modRevision), ConflictError);
        expect(stale.currentModRevision).toBe(2);
        const deleted = await store.delete("a", 2);
        expect(deleted.revision).toBe(3);
        expect(deleted.prev).toMatchObject({ key: "a", createRevision: 1, modRevision: 2 });
        expect(text(deleted.prev.value)).toBe("2");
        expect(await store.get("a")).toBeUndefined();
        // Unconditional delete, and a re-created key starts a new life.
        const again = await store.create("a", bytes("new"));
        expect(again).toMatchObject({ createRevision: 4, modRevision: 4 });
        expect((await store.delete("a")).revision).toBe(5);
        expect(await store.currentRevision()).toBe(5);
      });

      it("failed writes take no revision: revisions stay dense", async () => {
        const { store } = await fx.fresh();
        const a = await store.create("a", bytes("1"));
        await rejection(store.create("a", bytes("1")), KeyExistsError);
        await rejection(store.update("a", bytes("2"), 99), ConflictError);
        await rejection(store.update("nope", bytes("2"), 1), KeyNotFoundError);
        await rejection(store.delete("a", 99), ConflictError);
        await rejection(store.delete("nope"), KeyNotFoundError);
        expect((await store.update("a", bytes("2"), a.modRevision)).modRevision).toBe(2);
      });

      it("of concurrent updates with the same expected revision exactly one wins", async () => {
        const { store } = await fx.fresh();
        const a = await store.create("a", bytes("0"));
        const results = await Promise.allSettled(
          Array.from({ length: 16 }, (_, i) => store.update("a", bytes(`v${i}`), a.modRevision)),
        );
        const won = results.filter((result) => result.status === "fulfilled");
        const lost = results.filter((result) => result.status === "rejected");
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(15);
        for (const result of lost) expect(result.reason).toBeInstanceOf(ConflictError);
        expect(await store.currentRevision()).toBe(2);
      });

      it("64 concurrent writers get dense, unique revisions, acknowledged in revision order", async () => {
        const { store } = await fx.fresh();
        const writers = 64;
        const perWriter = 20;
        const acked: number[] = [];
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            const key = `dense/${w}`;
            let current = await store.create(key, bytes(`${w}:0`));
            acked.push(current.modRevision);
            for (let i = 1; i < perWriter; i++) {
              current = await store.update(key, bytes(`${w}:${i}`), current.modRevision);
              acked.push(current.modRevision);
            }
          }),
        );
        const total = writers * perWriter;
        expect(acked).toHaveLength(total);
        // Acknowledgements go out in revision order, so the order they arrived in is sorted.
        expect(acked).toEqual([...acked].sort((x, y) => x - y));
        expect(acked).toEqual(range(1, total));
        expect(await store.currentRevision()).toBe(total);
        const events = await take(store.watch("", 0), total);
        expect(events.map((event) => event.revision)).toEqual(range(1, total));
      });

      it("an update with the stored bytes writes nothing and returns the stored KeyValue", async () => {
        const { store } = await fx.fresh();
        const a = await store.create("a", bytes("same"));
        const watcher = store.watch("", a.modRevision);
        const again = await store.update("a", bytes("same"), a.modRevision);
        expect(again).toMatchObject({ key: "a", createRevision: 1, modRevision: 1 });
        expect(text(again.value)).toBe("same");
        expect(await store.currentRevision()).toBe(1);
        // The condition is still checked first.
        await rejection(store.update("a", bytes("same"), 7), ConflictError);
        // No event either: the next one the watcher sees is the next real write.
        await store.create("b", bytes("b"));
        const [next] = await take(watcher, 1);
        expect(next).toMatchObject({ type: "ADDED", key: "b", revision: 2 });
      });

      it("refuses malformed arguments with InvalidArgumentError", async () => {
        const { store } = await fx.fresh();
        await rejection(store.create("", bytes("x")), InvalidArgumentError);
        await rejection(store.create("bad\uD800key", bytes("x")), InvalidArgumentError);
        await rejection(store.create("k".repeat(5000), bytes("x")), InvalidArgumentError);
        await rejection(
          store.create("a", "not bytes" as unknown as Uint8Array),
          InvalidArgumentError,
        );
        await store.create("a", bytes("x"));
        await rejection(store.update("a", bytes("y"), 0), InvalidArgumentError);
        await rejection(store.update("a", bytes("y"), 1.5), InvalidArgumentError);
        await rejection(store.scan({ prefix: "", limit: 0 }), InvalidArgumentError);
        expect(() => store.watch("", -1)).toThrow(InvalidArgumentError);
        expect(await store.currentRevision()).toBe(1);
      });
    });

    describe("reads", () => {
      it("get returns the value with its revisions, or undefined", async () => {
        const { store } = await fx.fresh();
        expect(await store.get("a")).toBeUndefined();
        const bin = new Uint8Array([0, 255, 1, 254]);
        await store.create("a", bin);
        const got = await store.get("a");
        expect(got).toMatchObject({ key: "a", createRevision: 1, modRevision: 1 });
        expect(Array.from(got?.value ?? [])).toEqual([0, 255, 1, 254]);
        // The caller's buffer is not aliased: changing it later changes nothing stored.
        bin[0] = 9;
        expect((await store.get("a"))?.value[0]).toBe(0);
      });

      it("scans in bytewise (UTF-8) key order, by prefix or range, with limit and revision", async () => {
        const { store } = await fx.fresh();
        // UTF-16 order would put the emoji (D83D) before U+FFFD; UTF-8 bytes put it after.
        const keys = ["a", "a/1", "a/2", "a/\u00e9", "a/\uFFFD", "a/\u{1F600}", "a0", "b", "b/x"];
        for (const key of [...keys].reverse()) await store.create(key, bytes(key));
        const all = await store.scan({ prefix: "" });
        expect(all.items.map((item) => item.key)).toEqual(keys);
        expect(all.revision).toBe(keys.length);
        expect(all.more).toBe(false);
        expect(all.items.every((item) => text(item.value) === item.key)).toBe(true);

        const underA = await store.scan({ prefix: "a/" });
        expect(underA.items.map((item) => item.key)).toEqual([
          "a/1",
          "a/2",
          "a/\u00e9",
          "a/\uFFFD",
          "a/\u{1F600}",
        ]);

        const page = await store.scan({ prefix: "a/", limit: 2 });
        expect(page.items.map((item) => item.key)).toEqual(["a/1", "a/2"]);
        expect(page.more).toBe(true);
        const rest = await store.scan({ start: "a/2\u0000", end: "a0", limit: 10 });
        expect(rest.items.map((item) => item.key)).toEqual(["a/\u00e9", "a/\uFFFD", "a/\u{1F600}"]);
        expect(rest.more).toBe(false);
        const exact = await store.scan({ prefix: "a/", limit: 5 });
        expect(exact.more).toBe(false);

        const ranged = await store.scan({ start: "a0", end: "b/x" });
        expect(ranged.items.map((item) => item.key)).toEqual(["a0", "b"]);
        const open = await store.scan({ start: "b" });
        expect(open.items.map((item) => item.key)).toEqual(["b", "b/x"]);
        expect((await store.scan({ prefix: "zzz" })).items).toEqual([]);
      });

      it("scan's revision lets a caller list then watch without missing or repeating anything", async () => {
        const { store } = await fx.fresh();
        const stop = new AbortController();
        // Writers keep going while the list and the watch start, and for a while after.
        const writers = Array.from({ length: 8 }, async (_, w) => {
          for (let i = 0; !stop.signal.aborted; i++) {
            const key = `lw/${w}/${i % 5}`;
            const current = await store.get(key);
            if (current === undefined) await store.create(key, bytes(`${i}`));
            else if (i % 7 === 0) await store.delete(key, current.modRevision);
            else await store.update(key, bytes(`${i}`), current.modRevision);
          }
        });
        await waitFor("some writes", async () => (await store.currentRevision()) >= 20);
        const listed = await store.scan({ prefix: "lw/" });
        const state = new Map(listed.items.map((item) => [item.key, text(item.value)]));
        const watcher = store.watch("lw/", listed.revision);
        await waitFor(
          "writes after the list",
          async () => (await store.currentRevision()) >= listed.revision + 100,
        );
        stop.abort();
        await Promise.all(writers);
        const final = await store.scan({ prefix: "lw/" });
        const events = await take(watcher, final.revision - listed.revision);
        expect(events.map((event) => event.revision)).toEqual(
          range(listed.revision + 1, final.revision),
        );
        for (const event of events) {
          if (event.type === "DELETED") state.delete(event.key);
          else state.set(event.key, text(event.value));
        }
        expect(Object.fromEntries(state)).toEqual(
          Object.fromEntries(final.items.map((item) => [item.key, text(item.value)])),
        );
      });
    });

    describe("watch", () => {
      it("delivers every event after any retained revision once, in order, with prevValue", async () => {
        const { store } = await fx.fresh();
        const expected = await writeHistory(store);
        for (const from of [0, 1, 3, expected.length - 1]) {
          const events = await take(store.watch("", from), expected.length - from);
          expect(events.map(describeEvent)).toEqual(expected.slice(from));
        }
      });

      it("filters by key prefix and keeps revisions global", async () => {
        const { store } = await fx.fresh();
        await writeHistory(store);
        const events = await take(store.watch("w/b", 0), 2);
        expect(events.map(describeEvent)).toEqual(["2 ADDED w/b b1 -", "5 DELETED w/b b1 b1"]);
      });

      it("a watcher started at the current revision sees only newer events", async () => {
        const { store } = await fx.fresh();
        await writeHistory(store);
        const now = await store.currentRevision();
        const watcher = store.watch("", now);
        const pending = track(watcher.next());
        await eventLoopTurns(5);
        expect(pending.settled()).toBe(false);
        await store.create("late", bytes("l"));
        const result = await pending.promise;
        expect(result.done).toBe(false);
        expect(result.value).toMatchObject({ type: "ADDED", key: "late", revision: now + 1 });
      });

      it("a watch from a future revision waits for it", async () => {
        const { store } = await fx.fresh();
        const watcher = store.watch("", 2);
        await store.create("a", bytes("1"));
        await store.create("b", bytes("2"));
        await store.create("c", bytes("3"));
        const [event] = await take(watcher, 1);
        expect(event).toMatchObject({ key: "c", revision: 3 });
      });

      it("continues across close and reopen from any retained revision", async () => {
        const { store, location } = await fx.fresh();
        const before = await writeHistory(store);
        await store.close();
        const reopened = await fx.open(location);
        expect(await reopened.currentRevision()).toBe(before.length);
        const watcher = reopened.watch("", 2);
        const b2 = await reopened.create("w/b", bytes("b2"));
        await reopened.update("w/a", bytes("a3"), (await reopened.get("w/a"))?.modRevision ?? 0);
        const events = await take(watcher, before.length - 2 + 2);
        expect(events.map(describeEvent)).toEqual([
          ...before.slice(2),
          `${b2.modRevision} ADDED w/b b2 -`,
          `${b2.modRevision + 1} MODIFIED w/a a3 a2`,
        ]);
      });

      it("many watchers each get the whole stream", async () => {
        const { store } = await fx.fresh();
        const watchers = Array.from({ length: 20 }, () => store.watch("", 0));
        const expected = await writeHistory(store);
        const seen = await Promise.all(watchers.map((watcher) => take(watcher, expected.length)));
        for (const events of seen) expect(events.map(describeEvent)).toEqual(expected);
      });

      it("ends when its signal aborts or the caller returns", async () => {
        const { store } = await fx.fresh();
        const abort = new AbortController();
        const watcher = store.watch("", 0, abort.signal);
        const pending = track(watcher.next());
        await eventLoopTurns(2);
        abort.abort();
        expect(await pending.promise).toEqual({ done: true, value: undefined });
        expect((await watcher.next()).done).toBe(true);

        const other = store.watch("", 0);
        const parked = other.next();
        expect(await other.return?.()).toEqual({ done: true, value: undefined });
        expect((await parked).done).toBe(true);
        const preAborted = store.watch("", 0, AbortSignal.abort());
        expect((await preAborted.next()).done).toBe(true);
      });
    });

    describe("history and compaction", () => {
      it("compacts history outside the window, keeps the revision floor, and says CompactedError below it", async () => {
        const minRevisions = 5;
        const history = { windowMs: 1, minRevisions, compactionIntervalMs: 5 };
        const { store, location } = await fx.fresh({ history });
        let a = await store.create("a", bytes("0"));
        for (let i = 1; i < 40; i++) a = await store.update("a", bytes(`${i}`), a.modRevision);
        const current = await store.currentRevision();
        const compacted = await waitFor(
          "compaction",
          async () => {
            const revision = await store.compactRevision();
            return revision >= 10 ? revision : undefined;
          },
          () => "compactRevision stayed below 10",
        );
        expect(compacted).toBeLessThanOrEqual(current - minRevisions);

        const below = store.watch("", compacted - 1);
        const error = await rejection(below.next(), CompactedError);
        expect(error).toMatchObject({ requestedRevision: compacted - 1, code: "COMPACTED" });
        expect(error.compactRevision).toBeGreaterThanOrEqual(compacted);
        // Compaction may still be moving on; a reopened store (default window) holds still,
        // and shows that the compaction point was persisted.
        await store.close();
        const reopened = await fx.open(location);
        const settled = await reopened.compactRevision();
        expect(settled).toBeGreaterThanOrEqual(compacted);
        expect(settled).toBeLessThanOrEqual(current - minRevisions);
        await rejection(reopened.watch("", settled - 1).next(), CompactedError);
        const events = await take(reopened.watch("", settled), current - settled);
        expect(events.map((event) => event.revision)).toEqual(range(settled + 1, current));
        expect(events.every((event) => event.prevValue !== undefined)).toBe(true);
      });

      it("compaction keeps every key's current value and each retained event's prevValue", async () => {
        const history = { windowMs: 1, minRevisions: 4, compactionIntervalMs: 5 };
        const { store, location } = await fx.fresh({ history });
        const a = await store.create("keep/a", bytes("a1"));
        await store.update("keep/a", bytes("a2"), a.modRevision);
        const b = await store.create("keep/b", bytes("b1"));
        await store.delete("keep/b", b.modRevision);
        const c = await store.create("keep/c", bytes("c1"));
        await store.create("keep/d", bytes("d1"));
        let churn = await store.create("churn", bytes("0"));
        for (let i = 1; i <= 30; i++) {
          churn = await store.update("churn", bytes(`${i}`), churn.modRevision);
        }
        // Written again after a long gap: its event's prevValue is far below the floor.
        const c2 = await store.update("keep/c", bytes("c2"), c.modRevision);
        const d = await store.delete("keep/d");
        const current = await store.currentRevision();
        await waitFor("compaction past the early writes", async () =>
          (await store.compactRevision()) >= churn.modRevision - 8 ? true : undefined,
        );
        const check = async (reader: Store): Promise<void> => {
          const all = await reader.scan({ prefix: "" });
          expect(all.items.map((item) => `${item.key}=${text(item.value)}`)).toEqual([
            "churn=30",
            "keep/a=a2",
            "keep/c=c2",
          ]);
          expect((await reader.get("keep/a"))?.modRevision).toBe(a.modRevision + 1);
          const compacted = await reader.compactRevision();
          const events = await take(reader.watch("", compacted), current - compacted);
          expect(events.map((event) => event.revision)).toEqual(range(compacted + 1, current));
          expect(events.map(describeEvent).slice(-2)).toEqual([
            `${c2.modRevision} MODIFIED keep/c c2 c1`,
            `${d.revision} DELETED keep/d d1 d1`,
          ]);
          for (const event of events.filter((e) => e.key === "churn")) {
            expect(text(event.prevValue)).toBe(String(Number(text(event.value)) - 1));
          }
        };
        // Checked once compaction has stopped moving: on the store reopened with defaults.
        await store.close();
        await check(await fx.open(location));
      });

      it("a watcher that falls behind the compaction point gets CompactedError", async () => {
        const { store } = await fx.fresh({
          history: { windowMs: 1, minRevisions: 2, compactionIntervalMs: 5 },
        });
        const lagging = store.watch("", 0);
        let a = await store.create("a", bytes("0"));
        for (let i = 1; i < 20; i++) a = await store.update("a", bytes(`${i}`), a.modRevision);
        await waitFor("compaction", async () => (await store.compactRevision()) > 0);
        await rejection(lagging.next(), CompactedError);
      });

      it("keeps everything inside the window even above the revision floor", async () => {
        const { store } = await fx.fresh({
          history: { windowMs: 60_000, minRevisions: 0, compactionIntervalMs: 2 },
        });
        let a = await store.create("a", bytes("0"));
        for (let i = 1; i < 20; i++) a = await store.update("a", bytes(`${i}`), a.modRevision);
        // A negative check: give compaction many chances (25 intervals) to act wrongly.
        await new Promise<void>((resolve) => setTimeout(resolve, 50));
        expect(await store.compactRevision()).toBe(0);
        expect(await take(store.watch("", 0), 20)).toHaveLength(20);
      });
    });

    describe("durability", () => {
      requires(
        "flushHook",
        "acknowledges, publishes and shows a write only after its flush completes",
        async () => {
          const gate = new FlushGate();
          const { store } = await fx.fresh({ afterFlush: gate.hook });
          const watcher = store.watch("", 0);
          const event = track(watcher.next());
          const write = track(store.create("a", bytes("1")));
          const flush = await gate.next();
          expect(flush.range).toEqual([1, 1]);
          // The write is at its flush, which has not completed: nothing may be visible yet.
          await eventLoopTurns(10);
          expect(write.settled()).toBe(false);
          expect(event.settled()).toBe(false);
          expect(await store.get("a")).toBeUndefined();
          expect(await store.currentRevision()).toBe(0);
          flush.release();
          expect((await write.promise).modRevision).toBe(1);
          expect((await event.promise).value).toMatchObject({ key: "a", revision: 1 });
          expect(text((await store.get("a"))?.value)).toBe("1");
        },
      );

      requires(
        "flushHook",
        "flushes every revision once, in dense ranges, each before its acknowledgements",
        async () => {
          const order: string[] = [];
          const ranges: [number, number][] = [];
          const { store } = await fx.fresh({
            afterFlush: (first, last) => {
              ranges.push([first, last]);
              order.push(`flush ${first}-${last}`);
              return Promise.resolve();
            },
          });
          await Promise.all(
            Array.from({ length: 64 }, async (_, i) => {
              const written = await store.create(`k${i}`, bytes(`${i}`));
              order.push(`ack ${written.modRevision}`);
            }),
          );
          const covered = ranges.flatMap(([first, last]) => range(first, last));
          expect(covered).toEqual(range(1, 64));
          for (let revision = 1; revision <= 64; revision++) {
            const flushAt = order.findIndex((entry) => {
              const match = /^flush (\d+)-(\d+)$/.exec(entry);
              return match !== null && Number(match[1]) <= revision && revision <= Number(match[2]);
            });
            expect(flushAt).toBeGreaterThanOrEqual(0);
            expect(order.indexOf(`ack ${revision}`)).toBeGreaterThan(flushAt);
          }
        },
      );

      requires(
        "flushHook",
        "a no-op update of a write still in flight answers once that write is durable",
        async () => {
          const gate = new FlushGate();
          const { store } = await fx.fresh({ afterFlush: gate.hook });
          const created = store.create("a", bytes("1"));
          (await gate.next()).release();
          const a = await created;
          const write = track(store.update("a", bytes("2"), a.modRevision));
          const flush = await gate.next();
          // Same bytes as the update in flight, conditional on its revision.
          const noop = track(store.update("a", bytes("2"), a.modRevision + 1));
          await eventLoopTurns(5);
          expect(write.settled()).toBe(false);
          expect(noop.settled()).toBe(false);
          flush.release();
          expect((await noop.promise).modRevision).toBe(2);
          expect((await write.promise).modRevision).toBe(2);
          expect(await store.currentRevision()).toBe(2);
        },
      );

      requires("flushHook", "a failed flush fails the store closed", async () => {
        const failures: StoreFailedError[] = [];
        const location = await fx.location();
        const store = await fx.open(location, {
          afterFlush: (first) =>
            first >= 2 ? Promise.reject(new Error("injected flush failure")) : Promise.resolve(),
          onFailure: (error) => failures.push(error),
        });
        await store.create("a", bytes("1"));
        const watcher = store.watch("", 1);
        const first = store.create("b", bytes("2"));
        const failed = await rejection(first, StoreFailedError);
        // The batch reached the disk before its flush "failed": its fate is unknown.
        expect(failed.outcomeUnknown).toBe(true);
        expect(failed.cause).toBeInstanceOf(Error);
        await rejection(store.create("c", bytes("3")), StoreFailedError);
        await rejection(store.get("a"), StoreFailedError);
        await rejection(watcher.next(), StoreFailedError);
        await waitFor("onFailure", () => failures.length === 1);
        await store.close();
        // Reopening rebuilds from disk: dense revisions, the unknown write either way.
        const reopened = await fx.open(location);
        const current = await reopened.currentRevision();
        expect([1, 2]).toContain(current);
        const events = await take(reopened.watch("", 0), current);
        expect(events.map((event) => event.revision)).toEqual(range(1, current));
        expect((await reopened.create("d", bytes("4"))).modRevision).toBe(current + 1);
      });

      requires(
        "crashRecovery",
        "kill -9 of the writing process loses no acknowledged write; revisions stay dense",
        async () => {
          const location = await fx.location();
          const acked = new Map<number, string>();
          for (let round = 0; round < 2; round++) {
            const child = fx.child(location, "write", "8");
            await child.line(/^READY \d+$/);
            // Kill mid-stream, at a moment the child chose nothing about.
            await child.lineCount(/^ACK /, 300);
            await child.kill();
            for (const line of child.lines) {
              const match = /^ACK (\d+) (\S+) (\S+)$/.exec(line);
              if (match !== null) acked.set(Number(match[1]), `${match[2]} ${match[3]}`);
            }
          }
          const store = await fx.open(location);
          const current = await store.currentRevision();
          const maxAcked = Math.max(...acked.keys());
          expect(current).toBeGreaterThanOrEqual(maxAcked);
          const events = await take(store.watch("", 0), current);
          expect(events.map((event) => event.revision)).toEqual(range(1, current));
          const logged = new Map(
            events.map((event) => [event.revision, `${event.key} ${text(event.value)}`]),
          );
          const lost = [...acked].filter(([revision, write]) => logged.get(revision) !== write);
          expect(lost).toEqual([]);
          // The latest state of every key is at least as new as its last acknowledged write.
          const lastAcked = new Map<string, number>();
          for (const [revision, write] of acked) {
            const key = write.split(" ")[0] ?? "";
            lastAcked.set(key, Math.max(revision, lastAcked.get(key) ?? 0));
          }
          for (const [key, revision] of lastAcked) {
            expect((await store.get(key))?.modRevision ?? 0).toBeGreaterThanOrEqual(revision);
          }
          expect((await store.create("after-crash", bytes("x"))).modRevision).toBe(current + 1);
        },
        60_000,
      );
    });

    describe("ownership", () => {
      requires("exclusiveOwnership", "a second open in the same process is refused", async () => {
        const { location } = await fx.fresh();
        const error = await rejection(harness.open(location), DataDirLockedError);
        expect(error.code).toBe("DATA_DIR_LOCKED");
      });

      requires(
        "exclusiveOwnership",
        "a second process is refused while the store is open, and admitted after close",
        async () => {
          const { store, location } = await fx.fresh();
          await store.create("a", bytes("1"));
          const refused = await fx.child(location, "open").line(/^(REFUSED|OPENED)/);
          expect(refused).toMatch(/^REFUSED DATA_DIR_LOCKED /);
          await store.close();
          expect(await fx.child(location, "open").line(/^(REFUSED|OPENED)/)).toBe("OPENED");
        },
        30_000,
      );

      requires(
        "exclusiveOwnership",
        "ownership dies with its process: after kill -9 another opener gets the store",
        async () => {
          const location = await fx.location();
          const child = fx.child(location, "write", "1");
          await child.line(/^READY/);
          await expect(harness.open(location)).rejects.toBeInstanceOf(DataDirLockedError);
          await child.kill();
          const store = await fx.open(location);
          expect(await store.currentRevision()).toBeGreaterThanOrEqual(0);
        },
        30_000,
      );
    });

    describe("close", () => {
      it("finishes accepted writes, then refuses everything with StoreClosedError", async () => {
        const { store, location } = await fx.fresh();
        const watcher = store.watch("", 1000);
        const parked = watcher.next();
        const writes = Array.from({ length: 10 }, (_, i) => store.create(`k${i}`, bytes(`${i}`)));
        await store.close();
        expect((await Promise.all(writes)).map((kv) => kv.modRevision)).toEqual(range(1, 10));
        await rejection(parked, StoreClosedError);
        await rejection(store.get("k1"), StoreClosedError);
        await rejection(store.scan({ prefix: "" }), StoreClosedError);
        await rejection(store.currentRevision(), StoreClosedError);
        await rejection(store.create("x", bytes("x")), StoreClosedError);
        await rejection(store.update("k1", bytes("x"), 2), StoreClosedError);
        await rejection(store.delete("k1"), StoreClosedError);
        await rejection(store.watch("", 0).next(), StoreClosedError);
        await store.close();
        const reopened = await fx.open(location);
        expect(await reopened.currentRevision()).toBe(10);
      });
    });
  });
}

// ---- helpers ----

function bytes(value: string): Uint8Array {
  return new TextEncoder().encode(value);
}

function text(value: Uint8Array | undefined): string | undefined {
  return value === undefined ? undefined : new TextDecoder().decode(value);
}

function range(first: number, last: number): number[] {
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
}

function describeEvent(event: WatchEvent): string {
  return `${event.revision} ${event.type} ${event.key} ${text(event.value) ?? ""} ${text(event.prevValue) ?? "-"}`;
}

/** Writes a small history with every event type; returns its events as describeEvent. */
async function writeHistory(store: Store): Promise<string[]> {
  const a1 = await store.create("w/a", bytes("a1"));
  await store.create("w/b", bytes("b1"));
  const a2 = await store.update("w/a", bytes("a2"), a1.modRevision);
  await store.create("w/c", bytes("c1"));
  await store.delete("w/b");
  expect(a2.modRevision).toBe(3);
  return [
    "1 ADDED w/a a1 -",
    "2 ADDED w/b b1 -",
    "3 MODIFIED w/a a2 a1",
    "4 ADDED w/c c1 -",
    "5 DELETED w/b b1 b1",
  ];
}

/** The next `count` events, failing with what arrived if they do not come in time. */
async function take(
  watcher: AsyncIterableIterator<WatchEvent>,
  count: number,
): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  try {
    while (events.length < count) {
      const result = await nextWithin(
        watcher,
        EVENT_TIMEOUT_MS,
        `event ${events.length + 1} of ${count} (last: ${String(events.at(-1)?.revision)})`,
      );
      if (result.done === true)
        throw new Error(`watch ended after ${events.length} of ${count} events`);
      events.push(result.value);
    }
  } finally {
    await watcher.return?.();
  }
  return events;
}

/** Awaits a rejection of the given error class and returns the error. */
async function rejection<E extends Error>(
  promise: Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof type) return error;
    throw new Error(`expected ${type.name}, got ${String(error)}`, { cause: error });
  }
  throw new Error(`expected ${type.name}, but the operation succeeded`);
}

/** An afterFlush hook that holds every flush until the test releases it. */
class FlushGate {
  private readonly held: { range: [number, number]; release: () => void }[] = [];

  readonly hook = (first: number, last: number): Promise<void> =>
    new Promise<void>((resolve) => {
      this.held.push({ range: [first, last], release: resolve });
    });

  /** The next held flush. */
  async next(): Promise<{ range: [number, number]; release: () => void }> {
    return waitFor("a flush to reach the hook", () => this.held.shift());
  }
}
