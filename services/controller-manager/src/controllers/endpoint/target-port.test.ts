import { describe, expect, it } from "vitest";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { ServicePort } from "@k8ts/sdk/gen/k8ts/api/v1/service.js";
import { resolveTargetPort } from "./target-port.js";

const pod = Pod.fromPartial({
  spec: {
    containers: [
      { name: "web", ports: [{ name: "http", containerPort: 8080 }] },
      {
        name: "dns",
        ports: [
          { name: "dns", containerPort: 5353, protocol: "UDP" },
          { name: "metrics", containerPort: 9090, protocol: "TCP" },
        ],
      },
    ],
  },
});

const port = (p: Partial<ServicePort>): ServicePort => ({
  ...ServicePort.fromPartial({}),
  ...p,
});

describe("resolveTargetPort", () => {
  it("uses a numeric target port as is, and the service port when none is set", () => {
    expect(
      resolveTargetPort(
        pod,
        port({ port: 80, targetPort: { value: { $case: "intVal", value: 9000 } } }),
      ),
    ).toBe(9000);
    expect(resolveTargetPort(pod, port({ port: 80 }))).toBe(80);
  });

  it("resolves a name through the containers' named ports of the same protocol", () => {
    const named = (name: string, protocol = "TCP") =>
      port({ port: 80, protocol, targetPort: { value: { $case: "strVal", value: name } } });
    expect(resolveTargetPort(pod, named("http"))).toBe(8080); // container port protocol "" = TCP
    expect(resolveTargetPort(pod, named("metrics"))).toBe(9090); // second container
    expect(resolveTargetPort(pod, named("dns", "UDP"))).toBe(5353);
    expect(resolveTargetPort(pod, named("dns", "TCP"))).toBeUndefined(); // protocol differs
    expect(resolveTargetPort(pod, named("grpc"))).toBeUndefined(); // the pod lacks it
  });
});
