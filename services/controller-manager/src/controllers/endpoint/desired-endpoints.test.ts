import { describe, expect, it } from "vitest";
import { Endpoints } from "@k8ts/sdk/gen/k8ts/api/v1/endpoints.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { Service } from "@k8ts/sdk/gen/k8ts/api/v1/service.js";
import {
  HEADLESS_LABEL,
  desiredLabels,
  desiredSubsets,
  endpointsUpToDate,
} from "./desired-endpoints.js";

interface PodOptions {
  ip?: string;
  ready?: boolean;
  phase?: string;
  deleting?: boolean;
  hostname?: string;
  httpPort?: number;
}

function pod(name: string, o: PodOptions = {}): Pod {
  return Pod.fromPartial({
    metadata: {
      name,
      namespace: "ns",
      uid: `uid-${name}`,
      labels: { app: "web" },
      deletionTimestamp: o.deleting === true ? new Date() : undefined,
    },
    spec: {
      nodeName: "node-1",
      hostname: o.hostname ?? "",
      containers: [
        {
          name: "c",
          ports: o.httpPort === undefined ? [] : [{ name: "http", containerPort: o.httpPort }],
        },
      ],
    },
    status: {
      phase: o.phase ?? "Running",
      podIP: o.ip ?? "",
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  });
}

const service = Service.fromPartial({
  metadata: { name: "web", namespace: "ns", labels: { tier: "front" } },
  spec: {
    selector: { app: "web" },
    ports: [
      {
        name: "http",
        port: 80,
        protocol: "TCP",
        targetPort: { value: { $case: "strVal", value: "http" } },
      },
      {
        name: "admin",
        port: 81,
        protocol: "TCP",
        targetPort: { value: { $case: "intVal", value: 9000 } },
      },
    ],
  },
});

describe("desiredSubsets", () => {
  it("lists ready and not-ready pods with their resolved ports, leaving out the rest", () => {
    const subsets = desiredSubsets(service, [
      pod("a", { ip: "10.0.0.1", httpPort: 8080, hostname: "a-host" }),
      pod("b", { ip: "10.0.0.2", httpPort: 8080, ready: false }),
      pod("c", { ip: "10.0.0.3" }), // no "http" port: only in the admin subset
      pod("d", { ip: "10.0.0.4", httpPort: 8080, deleting: true }), // terminating
      pod("e", { httpPort: 8080 }), // no IP yet
      pod("f", { ip: "10.0.0.6", httpPort: 8080, phase: "Succeeded" }),
      pod("g", { ip: "10.0.0.7", httpPort: 8080, phase: "Failed" }),
    ]);
    // Ports go together when the same addresses serve them (Kubernetes' RepackSubsets):
    // "c" serves admin but not http, so the two ports are two subsets.
    expect(subsets).toHaveLength(2);
    const http = subsets.find((s) => s.ports[0]?.name === "http");
    const admin = subsets.find((s) => s.ports[0]?.name === "admin");
    expect(http?.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    expect(admin?.ports).toEqual([{ name: "admin", port: 9000, protocol: "TCP" }]);
    expect(http?.addresses).toEqual([
      {
        ip: "10.0.0.1",
        hostname: "a-host",
        nodeName: "node-1",
        targetRef: {
          kind: "Pod",
          namespace: "ns",
          name: "a",
          uid: "uid-a",
          apiVersion: "",
          resourceVersion: "",
          fieldPath: "",
        },
      },
    ]);
    expect(http?.notReadyAddresses.map((a) => a.ip)).toEqual(["10.0.0.2"]);
    expect(admin?.addresses.map((a) => a.ip)).toEqual(["10.0.0.1", "10.0.0.3"]);
    expect(admin?.notReadyAddresses.map((a) => a.ip)).toEqual(["10.0.0.2"]);
  });

  it("makes one subset with both ports when every pod serves both", () => {
    const subsets = desiredSubsets(service, [
      pod("a", { ip: "10.0.0.1", httpPort: 8080 }),
      pod("b", { ip: "10.0.0.2", httpPort: 8080, ready: false }),
    ]);
    expect(subsets.map((s) => [s.ports.map((p) => p.port), s.addresses.length])).toEqual([
      [[9000, 8080], 1],
    ]);
  });

  it("publishes addresses without ports for a headless service without ports", () => {
    const headless = Service.fromPartial({
      metadata: { name: "db", namespace: "ns" },
      spec: { selector: { app: "web" }, clusterIP: "None", ports: [] },
    });
    expect(desiredSubsets(headless, [pod("a", { ip: "10.0.0.1" })])).toEqual([
      expect.objectContaining({
        ports: [],
        addresses: [expect.objectContaining({ ip: "10.0.0.1" })],
      }),
    ]);
    expect(desiredLabels(headless)).toEqual({ [HEADLESS_LABEL]: "" });
  });

  it("makes an unchanged world compare equal to what was written (no rewrite)", () => {
    const pods = [
      pod("a", { ip: "10.0.0.1", httpPort: 8080 }),
      pod("b", { ip: "10.0.0.2", httpPort: 8080 }),
    ];
    const subsets = desiredSubsets(service, pods);
    const labels = desiredLabels(service);
    // As read back from the apiserver (a binary round trip).
    const stored = Endpoints.decode(
      Endpoints.encode(
        Endpoints.fromPartial({ metadata: { name: "web", namespace: "ns", labels }, subsets }),
      ).finish(),
    );
    expect(endpointsUpToDate(stored, desiredSubsets(service, [...pods].reverse()), labels)).toBe(
      true,
    );
    const notReady = [
      pods[0] ?? pod("x"),
      pod("b", { ip: "10.0.0.2", httpPort: 8080, ready: false }),
    ];
    expect(endpointsUpToDate(stored, desiredSubsets(service, notReady), labels)).toBe(false);
    expect(endpointsUpToDate(stored, subsets, { tier: "back" })).toBe(false);
  });
});
