// The port an httpGet or tcpSocket probe connects to: a number, or the name of one of the
// container's ports (Kubernetes' probe.ResolveContainerPort, including its last resort of
// reading a name that is all digits as a number).
import type { Container } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import type { IntOrString } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import { ProbeError } from "./probe-outcome.js";

export function resolveProbePort(port: IntOrString | undefined, container: Container): number {
  const value = port?.value;
  let resolved: number;
  if (value === undefined) throw new ProbeError("probe port is not set");
  if (value.$case === "intVal") {
    resolved = value.value;
  } else {
    const named = container.ports.find((p) => p.name === value.value);
    if (named !== undefined) resolved = named.containerPort;
    else if (/^\d+$/.test(value.value)) resolved = Number(value.value);
    else throw new ProbeError(`couldn't find port: ${value.value} in container ${container.name}`);
  }
  if (!Number.isInteger(resolved) || resolved < 1 || resolved > 65535)
    throw new ProbeError(`invalid port number: ${resolved}`);
  return resolved;
}

/** "host:port", with an IPv6 address in brackets (Go's net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
