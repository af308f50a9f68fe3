// Kubernetes' RepackSubsets: the N-to-M form the Endpoints API wants. Addresses that serve
// exactly the same ports share one subset; an address ready for a port stays ready even if
// another subset lists it not ready. The result is sorted (addresses by IP then Pod uid,
// ports by name, number and protocol, subsets by their content), so the same world always
// yields the same object and an unchanged world never rewrites it.
import type {
  EndpointAddress,
  EndpointPort,
  EndpointSubset,
} from "@k8ts/sdk/gen/k8ts/api/v1/endpoints.js";

/** Identity of an address: its IP and the uid of the object behind it. */
function addressKey(a: EndpointAddress): string {
  return `${a.ip}\u0000${a.targetRef?.uid ?? ""}`;
}

function portKey(p: EndpointPort | undefined): string {
  return p === undefined ? "" : JSON.stringify([p.name, p.port, p.protocol]);
}

interface PortAddresses {
  readonly port: EndpointPort | undefined;
  /** Address key -> ready. */
  readonly ready: Map<string, boolean>;
}

export function repackSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const addresses = new Map<string, EndpointAddress>();
  const byPort = new Map<string, PortAddresses>();
  for (const subset of subsets) {
    // A subset without ports (a headless Service without ports) still carries addresses.
    const ports: readonly (EndpointPort | undefined)[] =
      subset.ports.length > 0 ? subset.ports : [undefined];
    for (const port of ports) {
      const pk = portKey(port);
      let entry = byPort.get(pk);
      if (entry === undefined) {
        entry = { port, ready: new Map() };
        byPort.set(pk, entry);
      }
      for (const a of subset.addresses) {
        const k = addressKey(a);
        if (!addresses.has(k)) addresses.set(k, a);
        entry.ready.set(k, true);
      }
      for (const a of subset.notReadyAddresses) {
        const k = addressKey(a);
        if (!addresses.has(k)) addresses.set(k, a);
        if (!entry.ready.has(k)) entry.ready.set(k, false);
      }
    }
  }

  // Ports whose (address, readiness) sets are equal form one subset.
  const groups = new Map<string, { ready: Map<string, boolean>; ports: EndpointPort[] }>();
  for (const entry of byPort.values()) {
    if (entry.ready.size === 0) continue;
    const key = [...entry.ready]
      .map(([k, r]) => `${r ? "+" : "-"}${k}`)
      .sort()
      .join("\n");
    let group = groups.get(key);
    if (group === undefined) {
      group = { ready: entry.ready, ports: [] };
      groups.set(key, group);
    }
    if (entry.port !== undefined) group.ports.push(entry.port);
  }

  const out: EndpointSubset[] = [];
  for (const group of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [k, r] of group.ready) {
      const a = addresses.get(k);
      if (a !== undefined) (r ? ready : notReady).push(a);
    }
    out.push({ addresses: ready, notReadyAddresses: notReady, ports: group.ports });
  }
  return sortSubsets(out);
}

/** Sorts addresses, ports and subsets into the one canonical order. */
export function sortSubsets(subsets: readonly EndpointSubset[]): EndpointSubset[] {
  const sorted = subsets.map((s) => ({
    addresses: [...s.addresses].sort(compareAddresses),
    notReadyAddresses: [...s.notReadyAddresses].sort(compareAddresses),
    ports: [...s.ports].sort(comparePorts),
  }));
  const keys = new Map(sorted.map((s) => [s, subsetKey(s)]));
  return sorted.sort((a, b) => compareStrings(keys.get(a) ?? "", keys.get(b) ?? ""));
}

function subsetKey(s: EndpointSubset): string {
  return JSON.stringify([
    s.addresses.map(addressSortKey),
    s.notReadyAddresses.map(addressSortKey),
    s.ports.map(portKey),
  ]);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** IPv4 octets zero-padded so that text order is numeric order (10.0.0.9 < 10.0.0.10). */
function ipSortKey(ip: string): string {
  const octets = ip.split(".");
  if (octets.length === 4 && octets.every((o) => /^\d{1,3}$/.test(o)))
    return `4:${octets.map((o) => o.padStart(3, "0")).join(".")}`;
  return `6:${ip}`;
}

function addressSortKey(a: EndpointAddress): string {
  return `${ipSortKey(a.ip)}\u0000${a.targetRef?.uid ?? ""}`;
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  return compareStrings(addressSortKey(a), addressSortKey(b));
}

function comparePorts(a: EndpointPort, b: EndpointPort): number {
  return (
    compareStrings(a.name, b.name) || a.port - b.port || compareStrings(a.protocol, b.protocol)
  );
}
