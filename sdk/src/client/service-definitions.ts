// The generated grpc-js definition of each kind's service, by kind.
import type { ServiceDefinition } from "@grpc/grpc-js";
import { DeploymentsService } from "../gen/k8ts/api/v1/deployment_service.js";
import { EndpointsServiceService } from "../gen/k8ts/api/v1/endpoints_service.js";
import { EventsService } from "../gen/k8ts/api/v1/event_service.js";
import { IngressesService } from "../gen/k8ts/api/v1/ingress_service.js";
import { LeasesService } from "../gen/k8ts/api/v1/lease_service.js";
import { NamespacesService } from "../gen/k8ts/api/v1/namespace_service.js";
import { NodesService } from "../gen/k8ts/api/v1/node_service.js";
import { PodsService } from "../gen/k8ts/api/v1/pod_service.js";
import { ReplicaSetsService } from "../gen/k8ts/api/v1/replicaset_service.js";
import { ServicesService } from "../gen/k8ts/api/v1/service_service.js";

const BY_KIND: Readonly<Record<string, ServiceDefinition>> = {
  Deployment: DeploymentsService,
  Endpoints: EndpointsServiceService,
  Event: EventsService,
  Ingress: IngressesService,
  Lease: LeasesService,
  Namespace: NamespacesService,
  Node: NodesService,
  Pod: PodsService,
  ReplicaSet: ReplicaSetsService,
  Service: ServicesService,
};

export function serviceDefinition(kind: string): ServiceDefinition {
  const d = BY_KIND[kind];
  if (d === undefined) throw new Error(`no gRPC service for kind ${kind}`);
  return d;
}

/**
 * The definition with Get, List and Watch answering pre-encoded bytes, so objects the
 * watch cache has encoded once are sent as they are (no re-encoding per response).
 */
export function passThroughDefinition(kind: string): ServiceDefinition {
  const d = serviceDefinition(kind);
  const out: Record<string, ServiceDefinition[string]> = {};
  for (const [method, m] of Object.entries(d)) {
    out[method] =
      method === "get" || method === "list" || method === "watch"
        ? {
            ...m,
            responseSerialize: (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength),
          }
        : m;
  }
  return out;
}
