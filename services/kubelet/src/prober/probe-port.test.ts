import { Container } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import { describe, expect, it } from "vitest";
import { ProbeError } from "./probe-outcome.js";
import { joinHostPort, resolveProbePort } from "./probe-port.js";

const container = Container.fromPartial({
  name: "web",
  ports: [
    { name: "http", containerPort: 8080 },
    { name: "metrics", containerPort: 9090 },
  ],
});

describe("resolveProbePort", () => {
  it("takes a number as is and a name from the container's ports", () => {
    expect(resolveProbePort({ value: { $case: "intVal", value: 81 } }, container)).toBe(81);
    expect(resolveProbePort({ value: { $case: "strVal", value: "metrics" } }, container)).toBe(
      9090,
    );
  });

  it("reads an unknown name made of digits as a number, as Kubernetes does", () => {
    expect(resolveProbePort({ value: { $case: "strVal", value: "8443" } }, container)).toBe(8443);
  });

  it("fails with ProbeError for an unknown name, a missing or an invalid port", () => {
    expect(() =>
      resolveProbePort({ value: { $case: "strVal", value: "admin" } }, container),
    ).toThrow(ProbeError);
    expect(() => resolveProbePort(undefined, container)).toThrow(ProbeError);
    expect(() => resolveProbePort({ value: { $case: "intVal", value: 70000 } }, container)).toThrow(
      /invalid port number: 70000/,
    );
  });
});

describe("joinHostPort", () => {
  it("brackets IPv6 addresses", () => {
    expect(joinHostPort("10.0.0.1", 80)).toBe("10.0.0.1:80");
    expect(joinHostPort("fd00::1", 80)).toBe("[fd00::1]:80");
  });
});
