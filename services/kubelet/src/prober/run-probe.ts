// One attempt of a container's probe, whatever its handler: picks the address (the probe's
// host, else the pod IP, which for a hostNetwork pod is the node's), resolves named ports,
// and expands $(VAR) in exec commands from the container's literal env values only, as
// Kubernetes does (ExpandContainerCommandOnlyStatic: valueFrom variables expand to "").
import type { Container, Probe } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import { expandReferences } from "../container-env.js";
import { execProbe, type ExecSyncRuntime } from "./exec-probe.js";
import { grpcProbe } from "./grpc-probe.js";
import { httpProbe } from "./http-probe.js";
import { ProbeError, type ProbeOutcome } from "./probe-outcome.js";
import { resolveProbePort } from "./probe-port.js";
import { tcpProbe } from "./tcp-probe.js";

export interface ProbeContext {
  readonly container: Container;
  readonly containerId: string;
  readonly podIP: string;
  readonly timeoutSeconds: number;
  readonly runtime: ExecSyncRuntime;
  readonly signal: AbortSignal;
}

function address(host: string, podIP: string): string {
  const chosen = host !== "" ? host : podIP;
  if (chosen === "") throw new ProbeError("the pod has no IP address yet");
  return chosen;
}

export function staticCommand(command: readonly string[], container: Container): string[] {
  const vars = new Map<string, string>();
  for (const e of container.env) vars.set(e.name, e.value);
  return command.map((part) => expandReferences(part, vars));
}

export async function runProbe(probe: Probe, ctx: ProbeContext): Promise<ProbeOutcome> {
  const timeoutMs = ctx.timeoutSeconds * 1000;
  const handler = probe.handler;
  switch (handler?.$case) {
    case "exec":
      return execProbe(ctx.runtime, {
        containerId: ctx.containerId,
        command: staticCommand(handler.value.command, ctx.container),
        timeoutSeconds: ctx.timeoutSeconds,
        signal: ctx.signal,
      });
    case "httpGet":
      return httpProbe({
        scheme: handler.value.scheme,
        host: address(handler.value.host, ctx.podIP),
        port: resolveProbePort(handler.value.port, ctx.container),
        path: handler.value.path,
        headers: handler.value.httpHeaders,
        timeoutMs,
        signal: ctx.signal,
      });
    case "tcpSocket":
      return tcpProbe({
        host: address(handler.value.host, ctx.podIP),
        port: resolveProbePort(handler.value.port, ctx.container),
        timeoutMs,
        signal: ctx.signal,
      });
    case "grpc":
      return grpcProbe({
        host: address("", ctx.podIP),
        port: handler.value.port,
        service: handler.value.service ?? "",
        timeoutMs,
        signal: ctx.signal,
      });
    case undefined:
      throw new ProbeError("the probe has no handler");
  }
}
