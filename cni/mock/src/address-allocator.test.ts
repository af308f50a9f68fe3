import { InvalidRequestError } from "@k8ts/sdk/plugin";
import { describe, expect, it } from "vitest";
import { AddressAllocator } from "./address-allocator.js";
import { PoolExhaustedError, UnknownSandboxError } from "./network-errors.js";

describe("address allocator", () => {
  it("hands out addresses after the gateway, one per sandbox, idempotently", () => {
    const a = new AddressAllocator();
    const first = a.allocate("s1", ["10.244.1.0/24"], "eth0");
    expect(first).toEqual({
      sandboxId: "s1",
      address: "10.244.1.2",
      prefix: 24,
      cidr: "10.244.1.0/24",
      gateway: "10.244.1.1",
      interfaceName: "eth0",
    });
    expect(a.allocate("s2", ["10.244.1.0/24"], "eth0").address).toBe("10.244.1.3");
    expect(a.allocate("s1", ["10.244.1.0/24"], "eth1")).toEqual(first);
  });

  it("uses the first IPv4 CIDR, skipping IPv6", () => {
    const a = new AddressAllocator();
    expect(a.allocate("s", ["fd00:10:244::/64", "10.0.0.0/16"], "eth0").address).toBe("10.0.0.2");
  });

  it("never gives the network, gateway or broadcast address; fails when full", () => {
    const a = new AddressAllocator();
    const got = ["a", "b", "c", "d", "e"].map((id) => a.allocate(id, ["10.0.0.0/29"], "eth0"));
    expect(got.map((g) => g.address)).toEqual([
      "10.0.0.2",
      "10.0.0.3",
      "10.0.0.4",
      "10.0.0.5",
      "10.0.0.6",
    ]);
    expect(() => a.allocate("f", ["10.0.0.0/29"], "eth0")).toThrow(PoolExhaustedError);
  });

  it("reuses released addresses only after the others", () => {
    const a = new AddressAllocator();
    for (const id of ["a", "b", "c"]) a.allocate(id, ["10.0.0.0/29"], "eth0");
    a.release("a");
    expect(a.allocate("d", ["10.0.0.0/29"], "eth0").address).toBe("10.0.0.5");
    expect(a.allocate("e", ["10.0.0.0/29"], "eth0").address).toBe("10.0.0.6");
    expect(a.allocate("f", ["10.0.0.0/29"], "eth0").address).toBe("10.0.0.2");
  });

  it("names the bad field", () => {
    const a = new AddressAllocator();
    const field = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        if (e instanceof InvalidRequestError) return e.field;
      }
      return "none";
    };
    expect(field(() => a.allocate("", ["10.0.0.0/24"], "eth0"))).toBe("sandbox_id");
    expect(field(() => a.allocate("s", [], "eth0"))).toBe("pod_cidrs");
    expect(field(() => a.allocate("s", ["nonsense"], "eth0"))).toBe("pod_cidrs[0]");
    expect(field(() => a.allocate("s", ["fd00::/64"], "eth0"))).toBe("pod_cidrs");
    expect(field(() => a.allocate("s", ["10.0.0.0/31"], "eth0"))).toBe("pod_cidrs[0]");
  });

  it("releases idempotently and garbage-collects what is not valid", () => {
    const a = new AddressAllocator();
    for (const id of ["a", "b", "c"]) a.allocate(id, ["10.0.0.0/24"], "eth0");
    expect(a.release("b")).toBe(true);
    expect(a.release("b")).toBe(false);
    expect(() => a.get("b")).toThrow(UnknownSandboxError);
    expect(a.gc(["c"])).toEqual(["a"]);
    expect(a.size).toBe(1);
  });

  it("restores from its state", () => {
    const a = new AddressAllocator();
    for (const id of ["a", "b"]) a.allocate(id, ["10.0.0.0/24"], "eth0");
    a.release("a");
    const b = new AddressAllocator(
      JSON.parse(JSON.stringify(a.state())) as ReturnType<typeof a.state>,
    );
    expect(b.get("b").address).toBe("10.0.0.3");
    expect(b.allocate("c", ["10.0.0.0/24"], "eth0").address).toBe("10.0.0.4");
  });
});
