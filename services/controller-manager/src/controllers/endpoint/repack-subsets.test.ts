import { describe, expect, it } from "vitest";
import type {
  EndpointAddress,
  EndpointPort,
  EndpointSubset,
} from "@k8ts/sdk/gen/k8ts/api/v1/endpoints.js";
import { repackSubsets } from "./repack-subsets.js";

const addr = (ip: string, uid = `uid-${ip}`): EndpointAddress => ({
  ip,
  hostname: "",
  nodeName: undefined,
  targetRef: {
    kind: "Pod",
    namespace: "ns",
    name: uid,
    uid,
    apiVersion: "",
    resourceVersion: "",
    fieldPath: "",
  },
});
const port = (name: string, p: number, protocol = "TCP"): EndpointPort => ({
  name,
  port: p,
  protocol,
});
const one = (a: EndpointAddress, ready: boolean, ports: EndpointPort[]): EndpointSubset => ({
  addresses: ready ? [a] : [],
  notReadyAddresses: ready ? [] : [a],
  ports,
});
const ips = (as: EndpointAddress[]) => as.map((a) => a.ip);

describe("repackSubsets", () => {
  it("puts ports served by the same addresses into one subset (ports x addresses)", () => {
    const http = port("http", 8080);
    const metrics = port("metrics", 9090);
    const grpc = port("grpc", 7070);
    const out = repackSubsets([
      one(addr("10.0.0.2"), true, [http]),
      one(addr("10.0.0.2"), true, [metrics]),
      one(addr("10.0.0.2"), true, [grpc]),
      one(addr("10.0.0.1"), true, [http]),
      one(addr("10.0.0.1"), true, [metrics]),
      one(addr("10.0.0.1"), true, [grpc]),
      one(addr("10.0.0.3"), false, [http]),
      one(addr("10.0.0.3"), false, [metrics]),
      one(addr("10.0.0.3"), false, [grpc]),
      one(addr("10.0.0.4"), true, [http]), // lacks the named metrics and grpc ports
    ]);
    expect(out).toHaveLength(2);
    const shared = out.find((s) => s.ports.length === 2);
    const httpOnly = out.find((s) => s.ports.length === 1);
    expect(shared?.ports).toEqual([grpc, metrics]);
    expect(ips(shared?.addresses ?? [])).toEqual(["10.0.0.1", "10.0.0.2"]);
    expect(ips(shared?.notReadyAddresses ?? [])).toEqual(["10.0.0.3"]);
    expect(httpOnly?.ports).toEqual([http]);
    expect(ips(httpOnly?.addresses ?? [])).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.4"]);
    expect(ips(httpOnly?.notReadyAddresses ?? [])).toEqual(["10.0.0.3"]);
  });

  it("makes one subset when every address serves every port", () => {
    const ports = [port("b", 2), port("a", 1)];
    const out = repackSubsets([
      one(addr("10.0.0.2"), true, ports),
      one(addr("10.0.0.1"), false, [ports[1] ?? port("a", 1)]),
      one(addr("10.0.0.1"), false, [ports[0] ?? port("b", 2)]),
    ]);
    expect(out).toEqual([
      {
        addresses: [addr("10.0.0.2")],
        notReadyAddresses: [addr("10.0.0.1")],
        ports: [port("a", 1), port("b", 2)],
      },
    ]);
  });

  it("separates a port whose target differs per pod", () => {
    const out = repackSubsets([
      one(addr("10.0.0.1"), true, [port("", 8080)]),
      one(addr("10.0.0.2"), true, [port("", 9090)]),
    ]);
    expect(out.map((s) => [ips(s.addresses), s.ports.map((p) => p.port)])).toEqual([
      [["10.0.0.1"], [8080]],
      [["10.0.0.2"], [9090]],
    ]);
  });

  it("is deterministic whatever the input order (numeric IP order, then pod uid)", () => {
    const p = [port("a", 1)];
    const inputs = [
      one(addr("10.0.0.10"), true, p),
      one(addr("10.0.0.9"), true, p),
      one(addr("10.0.0.9", "b-uid"), true, p),
      one(addr("10.0.0.9", "a-uid"), false, p),
    ];
    const a = repackSubsets(inputs);
    const b = repackSubsets([...inputs].reverse());
    expect(a).toEqual(b);
    expect(a[0]?.addresses.map((x) => `${x.ip}/${x.targetRef?.uid ?? ""}`)).toEqual([
      "10.0.0.9/b-uid",
      "10.0.0.9/uid-10.0.0.9",
      "10.0.0.10/uid-10.0.0.10",
    ]);
  });

  it("keeps an address ready for a port when another subset lists it not ready", () => {
    const p = [port("", 80)];
    const out = repackSubsets([one(addr("10.0.0.1"), false, p), one(addr("10.0.0.1"), true, p)]);
    expect(out).toEqual([{ addresses: [addr("10.0.0.1")], notReadyAddresses: [], ports: p }]);
  });

  it("keeps subsets without ports (headless services without ports)", () => {
    const out = repackSubsets([one(addr("10.0.0.2"), true, []), one(addr("10.0.0.1"), false, [])]);
    expect(out).toEqual([
      { addresses: [addr("10.0.0.2")], notReadyAddresses: [addr("10.0.0.1")], ports: [] },
    ]);
  });
});
