import { describe, expect, it } from "vitest";
import { EVERYTHING, lookupKind, parseFieldSelector, type KindInfo } from "@k8ts/sdk";
import { WatcherIndex } from "./watcher-index.js";
import type { WatchFilter } from "./watch-cache.js";

const pods = lookupKind("Pod") as KindInfo;
const w = (
  name: string,
  namespace: string,
  fields?: string,
): { name: string; filter: WatchFilter } => ({
  name,
  filter: {
    kind: pods,
    namespace,
    labels: EVERYTHING,
    fields: fields === undefined ? undefined : parseFieldSelector("Pod", fields),
  },
});

describe("watcher index", () => {
  const all = w("all", "");
  const shop = w("shop", "shop");
  const blog = w("blog", "blog");
  const kubeletA = w("kubelet-a", "", "spec.nodeName=a");
  const kubeletB = w("kubelet-b", "", "spec.nodeName=b");
  const notOnA = w("not-on-a", "", "spec.nodeName!=a");
  const index = new WatcherIndex<ReturnType<typeof w>>();
  for (const x of [all, shop, blog, kubeletA, kubeletB, notOnA]) index.add(x);
  const names = (it: Iterable<{ name: string }>): string[] => [...it].map((x) => x.name).sort();

  it("narrows candidates to the namespace and the nodes before and after", () => {
    expect(names(index.candidates("shop", "a", undefined))).toEqual([
      "all",
      "kubelet-a",
      "not-on-a",
      "shop",
    ]);
    // Binding: unbound ("") before, node b after.
    expect(names(index.candidates("blog", "b", ""))).toEqual([
      "all",
      "blog",
      "kubelet-b",
      "not-on-a",
    ]);
    expect(names(index.candidates("other", undefined, undefined))).toEqual(["all", "not-on-a"]);
    expect(index.size).toBe(6);
  });

  it("forgets watchers that close", () => {
    index.delete(kubeletA);
    index.delete(shop);
    index.delete(shop);
    expect(names(index.candidates("shop", "a", undefined))).toEqual(["all", "not-on-a"]);
    expect(names(index.all())).toEqual(["all", "blog", "kubelet-b", "not-on-a"]);
    expect(index.size).toBe(4);
  });
});
