import { describe, expect, it } from "vitest";
import { Pod } from "../gen/k8ts/api/v1/pod.js";
import { IndexedStore, NAMESPACE_INDEX, objectKey } from "./indexed-store.js";

const pod = (namespace: string, name: string, nodeName = ""): Pod =>
  Pod.fromPartial({ metadata: { namespace, name }, spec: { nodeName } });

describe("IndexedStore", () => {
  it("keys objects by namespace/name and indexes them by namespace", () => {
    const store = new IndexedStore<Pod>();
    for (const p of [pod("a", "x"), pod("a", "y"), pod("b", "x")]) store.set(objectKey(p), p);
    expect(store.keys().sort()).toEqual(["a/x", "a/y", "b/x"]);
    expect(store.byIndex(NAMESPACE_INDEX, "a").length).toBe(2);
    expect(objectKey(Pod.fromPartial({ metadata: { name: "cluster-wide" } }))).toBe("cluster-wide");
  });

  it("moves an object between index values on update and drops it on delete", () => {
    const store = new IndexedStore<Pod>();
    store.addIndexer("node", (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
    store.set("a/x", pod("a", "x", "n1"));
    store.set("a/y", pod("a", "y", "n1"));
    store.set("a/x", pod("a", "x", "n2"));
    expect(store.byIndex("node", "n1").map((p) => p.metadata?.name)).toEqual(["y"]);
    expect(store.byIndex("node", "n2").map((p) => p.metadata?.name)).toEqual(["x"]);
    store.delete("a/y");
    expect(store.byIndex("node", "n1")).toEqual([]);
    expect(store.indexValues("node")).toEqual(["n2"]);
  });

  it("indexes existing objects when an indexer is added later; replace rebuilds", () => {
    const store = new IndexedStore<Pod>();
    store.set("a/x", pod("a", "x", "n1"));
    store.addIndexer("node", (p) => [p.spec?.nodeName ?? ""]);
    expect(store.byIndex("node", "n1").length).toBe(1);
    store.replace(new Map([["b/z", pod("b", "z", "n3")]]));
    expect(store.byIndex("node", "n1")).toEqual([]);
    expect(store.byIndex("node", "n3").length).toBe(1);
    expect(store.byIndex(NAMESPACE_INDEX, "a")).toEqual([]);
    expect(() => store.addIndexer("node", () => [])).toThrow(/already exists/);
    expect(() => store.byIndex("nope", "")).toThrow(/no indexer/);
  });

  it("accepts the same index function again under its name (a component restarting)", () => {
    const store = new IndexedStore<Pod>();
    const byNode = (p: Pod): string[] => [p.spec?.nodeName ?? ""];
    store.addIndexer("node", byNode);
    store.set("a/x", pod("a", "x", "n1"));
    store.addIndexer("node", byNode);
    expect(store.byIndex("node", "n1").length).toBe(1);
    expect(() => store.addIndexer("node", (p) => [p.spec?.nodeName ?? ""])).toThrow(
      /already exists/,
    );
  });

  it("an index function that throws leaves the object out of that index only", () => {
    const errors: string[] = [];
    const store = new IndexedStore<Pod>((index, key) => errors.push(`${index}:${key}`));
    store.addIndexer("picky", (p) => {
      if (p.metadata?.name === "bad") throw new Error("boom");
      return ["ok"];
    });
    store.set("a/bad", pod("a", "bad"));
    store.set("a/good", pod("a", "good"));
    expect(store.get("a/bad")).toBeDefined();
    expect(store.byIndex("picky", "ok").map((p) => p.metadata?.name)).toEqual(["good"]);
    expect(store.byIndex(NAMESPACE_INDEX, "a").length).toBe(2);
    expect(errors).toEqual(["picky:a/bad"]);
  });
});
