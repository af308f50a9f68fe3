import { describe, expect, it } from "vitest";
import { compareKeys, KeyIndex } from "./key-index.js";

// The reference order: UTF-8 bytes.
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/** A deterministic pseudo-random sequence (no flaky seeds). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 0x1_0000_0000;
  };
}

const ALPHABET = [
  "a",
  "b",
  "/",
  "0",
  "z",
  "\u00e9",
  "\u4e2d",
  "\uE000",
  "\uFFFD",
  "\u{1F600}",
  "\u{10FFFF}",
];

function randomKey(next: () => number): string {
  const length = 1 + Math.floor(next() * 6);
  let key = "";
  for (let i = 0; i < length; i++) key += ALPHABET[Math.floor(next() * ALPHABET.length)] ?? "a";
  return key;
}

describe("compareKeys", () => {
  it("orders strings as their UTF-8 bytes, surrogate pairs included", () => {
    const next = random(7);
    for (let i = 0; i < 20_000; i++) {
      const a = randomKey(next);
      const b = randomKey(next);
      expect(Math.sign(compareKeys(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(
        Math.sign(byBytes(a, b)),
      );
    }
  });
});

describe("KeyIndex", () => {
  it("keeps thousands of keys in byte order through inserts, updates and deletes", () => {
    const index = new KeyIndex();
    const reference = new Map<string, number>();
    const next = random(42);
    for (let i = 0; i < 20_000; i++) {
      const key = randomKey(next) + String(Math.floor(next() * 500));
      if (next() < 0.3 && reference.has(key)) {
        index.delete(key);
        reference.delete(key);
      } else {
        index.set(key, { createRevision: i + 1, modRevision: i + 1 });
        reference.set(key, i + 1);
      }
    }
    const sorted = [...reference.keys()].sort(byBytes);
    expect(index.size).toBe(sorted.length);
    expect(sorted.length).toBeGreaterThan(2000);
    expect([...index.keysFrom("")]).toEqual(sorted);
    expect(sorted.every((key) => index.get(key)?.modRevision === reference.get(key))).toBe(true);
    // Iteration from any start, present or not.
    const sortedBytes = sorted.map((key) => Buffer.from(key));
    for (let i = 0; i < 200; i++) {
      const start = randomKey(next);
      const startBytes = Buffer.from(start);
      const from = sortedBytes.findIndex((bytes) => Buffer.compare(bytes, startBytes) >= 0);
      const expected = from < 0 ? [] : sorted.slice(from, from + 5);
      const got: string[] = [];
      for (const key of index.keysFrom(start)) {
        got.push(key);
        if (got.length === 5) break;
      }
      expect(got).toEqual(expected);
    }
    // Deleting everything leaves an empty, usable index.
    for (const key of sorted) index.delete(key);
    expect([...index.keysFrom("")]).toEqual([]);
    index.set("again", { createRevision: 1, modRevision: 1 });
    expect([...index.keysFrom("")]).toEqual(["again"]);
  });

  it("stays ordered when keys beyond U+D7FF join and leave an ASCII index", () => {
    const index = new KeyIndex();
    const keys = new Set<string>();
    const next = random(3);
    const add = (key: string): void => {
      index.set(key, { createRevision: 1, modRevision: 1 });
      keys.add(key);
    };
    for (let i = 0; i < 3000; i++) add(`/registry/pods/ns${Math.floor(next() * 50)}/p${i}`);
    expect([...index.keysFrom("")]).toEqual([...keys].sort(byBytes));
    for (const key of ["/registry/pods/\uFFFD", "/registry/pods/\u{1F600}", "/registry/\uE000"])
      add(key);
    expect([...index.keysFrom("")]).toEqual([...keys].sort(byBytes));
    for (const key of ["/registry/pods/\uFFFD", "/registry/pods/\u{1F600}", "/registry/\uE000"]) {
      index.delete(key);
      keys.delete(key);
    }
    add("/registry/pods/ns1/zz");
    expect([...index.keysFrom("/registry/pods/ns1/")].slice(0, 3)).toEqual(
      [...keys]
        .filter((key) => key >= "/registry/pods/ns1/")
        .sort(byBytes)
        .slice(0, 3),
    );
    expect([...index.keysFrom("")]).toEqual([...keys].sort(byBytes));
  });
});
