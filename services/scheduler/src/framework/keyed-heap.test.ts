import { describe, expect, it } from "vitest";
import { KeyedHeap } from "./keyed-heap.js";

interface Item {
  readonly key: string;
  value: number;
}

function heap(): KeyedHeap<Item> {
  return new KeyedHeap<Item>(
    (i) => i.key,
    (a, b) => a.value < b.value,
  );
}

describe("KeyedHeap", () => {
  it("pops in order", () => {
    const h = heap();
    const values = [5, 3, 9, 1, 7, 2, 8, 6, 4, 0];
    values.forEach((value, i) => h.push({ key: `k${i}`, value }));
    const out: number[] = [];
    for (let item = h.pop(); item !== undefined; item = h.pop()) out.push(item.value);
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("replaces an item pushed again under its key and restores the order", () => {
    const h = heap();
    h.push({ key: "a", value: 1 });
    h.push({ key: "b", value: 2 });
    h.push({ key: "a", value: 3 });
    expect(h.size).toBe(2);
    expect(h.pop()?.key).toBe("b");
    expect(h.pop()?.value).toBe(3);
  });

  it("removes by key from anywhere", () => {
    const h = heap();
    for (let i = 0; i < 20; i++) h.push({ key: `k${i}`, value: (i * 7) % 20 });
    expect(h.remove("k3")?.value).toBe(1);
    expect(h.remove("k3")).toBeUndefined();
    expect(h.has("k3")).toBe(false);
    const out: number[] = [];
    for (let item = h.pop(); item !== undefined; item = h.pop()) out.push(item.value);
    expect(out).toEqual([...Array(20).keys()].filter((v) => v !== 1));
  });

  it("stays consistent under random operations", () => {
    const h = heap();
    const model = new Map<string, number>();
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 2000; step++) {
      const key = `k${rand(50)}`;
      const op = rand(3);
      if (op === 0) {
        const value = rand(1000);
        h.push({ key, value });
        model.set(key, value);
      } else if (op === 1) {
        h.remove(key);
        model.delete(key);
      } else {
        const top = h.pop();
        if (top === undefined) expect(model.size).toBe(0);
        else {
          expect(top.value).toBe(Math.min(...model.values()));
          model.delete(top.key);
        }
      }
      expect(h.size).toBe(model.size);
    }
  });
});
