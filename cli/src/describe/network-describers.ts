// `describe` of Services, Endpoints and Ingresses.
import { ApiStatusError } from "@k8ts/sdk";
import type { Endpoints } from "@k8ts/sdk/gen/k8ts/api/v1/endpoints.js";
import type { Ingress, IngressBackend } from "@k8ts/sdk/gen/k8ts/api/v1/ingress.js";
import type { Service } from "@k8ts/sdk/gen/k8ts/api/v1/service.js";
import { formatEndpoints } from "../printers/kind-tables.js";
import { formatIntOrString, formatLabels } from "../printers/value-format.js";
import type { DescribeWriter } from "./describe-writer.js";
import { describeMetadata } from "./object-header.js";
import type { DescribeContext } from "./workload-describers.js";

export async function describeService(
  w: DescribeWriter,
  svc: Service,
  ctx: DescribeContext,
): Promise<void> {
  const spec = svc.spec;
  describeMetadata(w, svc.metadata, { namespaced: true });
  w.line(0, "Selector:", formatLabels(spec?.selector));
  w.line(0, "Type:", spec?.type || "ClusterIP");
  w.line(0, "IP:", spec?.clusterIP || "<none>");
  const ips = spec?.clusterIPs ?? [];
  if (ips.length > 0) w.line(0, "IPs:", ips.join(","));
  if ((spec?.externalIPs.length ?? 0) > 0)
    w.line(0, "External IPs:", spec?.externalIPs.join(",") ?? "");
  let endpoints: Endpoints | undefined;
  try {
    endpoints = await ctx.api
      .kind("Endpoints")
      .get(svc.metadata?.name ?? "", { namespace: svc.metadata?.namespace ?? "" });
  } catch (e) {
    if (!(e instanceof ApiStatusError) || !e.isNotFound) throw e;
  }
  for (const p of spec?.ports ?? []) {
    const protocol = p.protocol || "TCP";
    const name = p.name === "" ? "<unset>" : p.name;
    w.line(0, "Port:", `${name}  ${p.port}/${protocol}`);
    const target = formatIntOrString(p.targetPort) || String(p.port);
    w.line(0, "TargetPort:", `${target}/${protocol}`);
    if (p.nodePort !== undefined && p.nodePort > 0)
      w.line(0, "NodePort:", `${name}  ${p.nodePort}/${protocol}`);
  }
  w.line(0, "Endpoints:", endpoints === undefined ? "<none>" : formatEndpoints(endpoints));
  w.line(0, "Session Affinity:", spec?.sessionAffinity || "None");
}

export function describeEndpoints(w: DescribeWriter, ep: Endpoints): void {
  describeMetadata(w, ep.metadata, { namespaced: true });
  if (ep.subsets.length === 0) {
    w.line(0, "Subsets:", "<none>");
    return;
  }
  w.line(0, "Subsets:");
  for (const subset of ep.subsets) {
    const ready = subset.addresses.map((a) => a.ip).join(",");
    const notReady = subset.notReadyAddresses.map((a) => a.ip).join(",");
    w.line(1, "Addresses:", ready === "" ? "<none>" : ready);
    w.line(1, "NotReadyAddresses:", notReady === "" ? "<none>" : notReady);
    if (subset.ports.length === 0) w.line(1, "Ports:", "<none>");
    else {
      w.line(1, "Ports:");
      w.table(
        2,
        ["Name", "Port", "Protocol"],
        subset.ports.map((p) => [
          p.name === "" ? "<unset>" : p.name,
          String(p.port),
          p.protocol || "TCP",
        ]),
      );
    }
    w.blank();
  }
}

function backend(b: IngressBackend | undefined): string {
  const s = b?.service;
  if (s === undefined) return "<none>";
  const port = s.port?.port;
  return `${s.name}:${port === undefined ? "" : String(port.value)}`;
}

export function describeIngress(w: DescribeWriter, ing: Ingress): void {
  const spec = ing.spec;
  describeMetadata(w, ing.metadata, { namespaced: true });
  const address = (ing.status?.loadBalancer?.ingress ?? [])
    .map((i) => (i.ip !== "" ? i.ip : i.hostname))
    .join(",");
  w.line(0, "Address:", address);
  w.line(0, "Ingress Class:", spec?.ingressClassName || "<none>");
  w.line(
    0,
    "Default backend:",
    spec?.defaultBackend === undefined ? "<default>" : backend(spec.defaultBackend),
  );
  for (const tls of spec?.tls ?? [])
    w.line(
      0,
      "TLS:",
      `${tls.secretName === "" ? "SNI" : tls.secretName} terminates ${tls.hosts.join(",")}`,
    );
  w.line(0, "Rules:");
  const rows: string[][] = [];
  for (const rule of spec?.rules ?? []) {
    rows.push([rule.host === "" ? "*" : rule.host, "", ""]);
    for (const path of rule.http?.paths ?? [])
      rows.push(["", path.path === "" ? "/" : path.path, backend(path.backend)]);
  }
  w.table(1, ["Host", "Path", "Backends"], rows);
}
