// Resource amounts as the scheduler counts them: exact milli-units (bigint) per resource
// name, parsed once from the API's quantity strings. A pod requests, per resource, the
// larger of the sum over its containers and the largest init container (init containers
// run one at a time, before the containers), as Kubernetes computes it.
import { parseQuantity, QuantityError } from "@k8ts/sdk";
import type { Container } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import type { Quantity } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import type { PodSpec } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";

export const CPU = "cpu";
export const MEMORY = "memory";
export const PODS = "pods";
export const EPHEMERAL_STORAGE = "ephemeral-storage";

/** Milli-units per resource name. */
export type ResourceList = ReadonlyMap<string, bigint>;

/**
 * What a container without a request counts as when spreading load (Kubernetes'
 * DefaultMilliCPURequest and DefaultMemoryRequest): 100m CPU, 200Mi memory. Fit checks use
 * the real requests; only scores use these.
 */
export const DEFAULT_CPU_REQUEST_MILLI = 100n;
export const DEFAULT_MEMORY_REQUEST_MILLI = 200n * 1024n * 1024n * 1000n;

/**
 * Milli-units of a quantity. The apiserver stores only quantities it could parse, so a
 * malformed one cannot come from it; it counts as zero rather than failing a whole cycle.
 */
export function milliOf(q: Quantity | undefined): bigint {
  if (q === undefined) return 0n;
  try {
    return parseQuantity(q.string).milli;
  } catch (e) {
    if (e instanceof QuantityError) return 0n;
    throw e;
  }
}

/** A resource map ({cpu: "2", memory: "4Gi"}) as milli-units. */
export function resourceList(map: Readonly<Record<string, Quantity>> | undefined): ResourceList {
  const out = new Map<string, bigint>();
  for (const [name, q] of Object.entries(map ?? {})) out.set(name, milliOf(q));
  return out;
}

function containerRequests(c: Container): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const requests = c.resources?.requests ?? {};
  const limits = c.resources?.limits ?? {};
  // The apiserver defaults requests to limits; done here too for objects that skipped it.
  for (const [name, q] of Object.entries(limits)) out.set(name, milliOf(q));
  for (const [name, q] of Object.entries(requests)) out.set(name, milliOf(q));
  return out;
}

function addInto(target: Map<string, bigint>, add: ReadonlyMap<string, bigint>): void {
  for (const [name, v] of add) target.set(name, (target.get(name) ?? 0n) + v);
}

function maxInto(target: Map<string, bigint>, other: ReadonlyMap<string, bigint>): void {
  for (const [name, v] of other) if (v > (target.get(name) ?? 0n)) target.set(name, v);
}

/** The pod's effective requests: max(sum of containers, largest init container). */
export function podRequests(spec: PodSpec | undefined): ResourceList {
  const sum = new Map<string, bigint>();
  for (const c of spec?.containers ?? []) addInto(sum, containerRequests(c));
  for (const c of spec?.initContainers ?? []) maxInto(sum, containerRequests(c));
  for (const [name, v] of sum) if (v === 0n) sum.delete(name);
  return sum;
}

/**
 * CPU and memory requests for scoring, where a container that does not set a request
 * counts the defaults above (an explicit zero stays zero), so that pods without requests
 * still spread out.
 */
export function nonZeroRequests(spec: PodSpec | undefined): { cpu: bigint; memory: bigint } {
  const one = (c: Container): { cpu: bigint; memory: bigint } => {
    const r = containerRequests(c);
    return {
      cpu: r.get(CPU) ?? DEFAULT_CPU_REQUEST_MILLI,
      memory: r.get(MEMORY) ?? DEFAULT_MEMORY_REQUEST_MILLI,
    };
  };
  let cpu = 0n;
  let memory = 0n;
  for (const c of spec?.containers ?? []) {
    const r = one(c);
    cpu += r.cpu;
    memory += r.memory;
  }
  for (const c of spec?.initContainers ?? []) {
    const r = one(c);
    if (r.cpu > cpu) cpu = r.cpu;
    if (r.memory > memory) memory = r.memory;
  }
  return { cpu, memory };
}
