import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@k8ts/sdk/logging";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AddressAllocator } from "./address-allocator.js";
import { AllocationStore } from "./allocation-store.js";

const CIDR = ["10.244.1.0/24"];
const log = createLogger({ component: "cni-mock-test", level: "silent" });
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-alloc-store-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function open(nodeName = "node-a") {
  const store = await AllocationStore.open(dir, nodeName, log);
  const allocator = new AddressAllocator(store.loaded, (change) => store.changed(change));
  store.attach(allocator);
  return { store, allocator };
}

async function journalLines(): Promise<string[]> {
  return (await readFile(join(dir, "allocations.jsonl"), "utf8")).split("\n").filter(Boolean);
}

describe("allocation store", () => {
  it("appends one line per change and replays them, with the last address given", async () => {
    const { store, allocator } = await open();
    allocator.allocate("a", CIDR, "eth0");
    allocator.allocate("b", CIDR, "eth0");
    await store.saved();
    const before = await journalLines();
    allocator.release("b");
    await store.saved();
    expect(await journalLines()).toEqual([...before, '{"del":"b"}']);
    await store.close();

    const reopened = await open();
    expect(reopened.allocator.get("a").address).toBe("10.244.1.2");
    expect(() => reopened.allocator.get("b")).toThrow();
    // After .3, released but the last given: not reused at once.
    expect(reopened.allocator.allocate("c", CIDR, "eth0").address).toBe("10.244.1.4");
    await reopened.store.close();
  });

  it("compacts the journal, so it stays proportional to the live allocations", async () => {
    const { store, allocator } = await open();
    for (let i = 0; i < 3000; i++) {
      allocator.allocate(`s${i}`, CIDR, "eth0");
      if (i >= 2) allocator.release(`s${i - 2}`);
      await store.saved();
    }
    expect((await journalLines()).length).toBeLessThan(1010);
    await store.close();
    const reopened = await open();
    expect(reopened.allocator.state()).toEqual(allocator.state());
    await reopened.store.close();
  });

  it("ignores a last line torn by a crash while appending", async () => {
    const { store, allocator } = await open();
    allocator.allocate("a", CIDR, "eth0");
    await store.close();
    const path = join(dir, "allocations.jsonl");
    await writeFile(path, `${await readFile(path, "utf8")}{"add":{"sandboxId":"b","addr`);
    const reopened = await open();
    expect(reopened.allocator.state().allocations.map((a) => a.sandboxId)).toEqual(["a"]);
    // The start rewrote the journal without the torn line.
    expect((await journalLines()).every((l) => l.endsWith("}"))).toBe(true);
    await reopened.store.close();
  });

  it("migrates an allocations.json of version 1", async () => {
    const allocation = {
      sandboxId: "old",
      address: "10.244.1.7",
      prefix: 24,
      cidr: "10.244.1.0/24",
      gateway: "10.244.1.1",
      interfaceName: "eth0",
    };
    await writeFile(
      join(dir, "allocations.json"),
      JSON.stringify({
        version: 1,
        nodeName: "node-a",
        allocations: [allocation],
        lastAllocated: { "10.244.1.0/24": "10.244.1.9" },
      }),
    );
    const { store, allocator } = await open();
    expect(allocator.get("old")).toEqual(allocation);
    expect(allocator.allocate("new", CIDR, "eth0").address).toBe("10.244.1.10");
    await store.close();
    await expect(readFile(join(dir, "allocations.json"))).rejects.toMatchObject({
      code: "ENOENT",
    });
  });

  it("refuses another node's journal", async () => {
    const { store } = await open("node-a");
    await store.close();
    await expect(open("node-b")).rejects.toThrow(/belongs to node "node-a"/);
  });
});
