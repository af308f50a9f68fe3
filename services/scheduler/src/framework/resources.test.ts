import { describe, expect, it } from "vitest";
import { PodSpec } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import {
  DEFAULT_CPU_REQUEST_MILLI,
  DEFAULT_MEMORY_REQUEST_MILLI,
  nonZeroRequests,
  podRequests,
  resourceList,
} from "./resources.js";

const c = (
  name: string,
  requests: Record<string, string>,
  limits: Record<string, string> = {},
) => ({
  name,
  image: "busybox",
  resources: {
    requests: Object.fromEntries(Object.entries(requests).map(([k, v]) => [k, { string: v }])),
    limits: Object.fromEntries(Object.entries(limits).map(([k, v]) => [k, { string: v }])),
  },
});

describe("podRequests", () => {
  it("sums containers and takes the max with each init container, per resource", () => {
    const spec = PodSpec.fromPartial({
      initContainers: [c("i1", { cpu: "2", memory: "100Mi" }), c("i2", { memory: "1Gi" })],
      containers: [
        c("a", { cpu: "500m", memory: "300Mi" }),
        c("b", { cpu: "500m", memory: "300Mi" }),
      ],
    });
    const r = podRequests(spec);
    expect(r.get("cpu")).toBe(2000n);
    expect(r.get("memory")).toBe(1024n * 1024n * 1024n * 1000n);
  });

  it("falls back to limits when a request is missing, and drops zeros", () => {
    const spec = PodSpec.fromPartial({ containers: [c("a", { cpu: "0" }, { memory: "1Mi" })] });
    const r = podRequests(spec);
    expect(r.has("cpu")).toBe(false);
    expect(r.get("memory")).toBe(1024n * 1024n * 1000n);
  });
});

describe("nonZeroRequests", () => {
  it("counts missing cpu and memory requests as defaults, explicit zeros as zero", () => {
    const spec = PodSpec.fromPartial({
      containers: [c("a", {}), c("b", { cpu: "0", memory: "1Gi" })],
    });
    const r = nonZeroRequests(spec);
    expect(r.cpu).toBe(DEFAULT_CPU_REQUEST_MILLI);
    expect(r.memory).toBe(DEFAULT_MEMORY_REQUEST_MILLI + 1024n * 1024n * 1024n * 1000n);
  });
});

describe("resourceList", () => {
  it("parses quantities exactly and counts malformed ones as zero", () => {
    const r = resourceList({
      cpu: { string: "1.5" },
      memory: { string: "bogus" },
      pods: { string: "110" },
    });
    expect(r.get("cpu")).toBe(1500n);
    expect(r.get("memory")).toBe(0n);
    expect(r.get("pods")).toBe(110_000n);
  });
});
