// The generated protobuf functions of every kind, and the TypeScript type of each kind's
// object, keyed by kind. A test checks that every kind of the registry is listed here.
import type { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Deployment } from "../gen/k8ts/api/v1/deployment.js";
import { Endpoints } from "../gen/k8ts/api/v1/endpoints.js";
import { Event } from "../gen/k8ts/api/v1/event.js";
import { Ingress } from "../gen/k8ts/api/v1/ingress.js";
import { Lease } from "../gen/k8ts/api/v1/lease.js";
import { Namespace } from "../gen/k8ts/api/v1/namespace.js";
import { Node } from "../gen/k8ts/api/v1/node.js";
import { Pod } from "../gen/k8ts/api/v1/pod.js";
import { ReplicaSet } from "../gen/k8ts/api/v1/replicaset.js";
import { Service } from "../gen/k8ts/api/v1/service.js";

/** The object type of each kind, e.g. `KindObjects["Pod"]` is the generated `Pod`. */
export interface KindObjects {
  Namespace: Namespace;
  Node: Node;
  Pod: Pod;
  ReplicaSet: ReplicaSet;
  Deployment: Deployment;
  Service: Service;
  Endpoints: Endpoints;
  Ingress: Ingress;
  Event: Event;
  Lease: Lease;
}

/** Binary protobuf encoding of one kind's objects (as the store and gRPC carry them). */
export interface ObjectCodec<T = unknown> {
  encode(message: T): BinaryWriter;
  decode(input: Uint8Array): T;
}

// Each entry encodes only its own type; the parameter is `never` so any of them fits.
interface AnyFns {
  encode(message: never): BinaryWriter;
  decode(input: Uint8Array): unknown;
}

const BY_TYPE: Readonly<Record<string, AnyFns>> = {
  "k8ts.api.v1.Namespace": Namespace,
  "k8ts.api.v1.Node": Node,
  "k8ts.api.v1.Pod": Pod,
  "k8ts.api.v1.ReplicaSet": ReplicaSet,
  "k8ts.api.v1.Deployment": Deployment,
  "k8ts.api.v1.Service": Service,
  "k8ts.api.v1.Endpoints": Endpoints,
  "k8ts.api.v1.Ingress": Ingress,
  "k8ts.api.v1.Event": Event,
  "k8ts.api.v1.Lease": Lease,
};

/** The generated functions for a kind's object message; throws for a type that is not a kind. */
export function messageFns(typeName: string): ObjectCodec {
  const fns = BY_TYPE[typeName];
  if (fns === undefined) throw new Error(`${typeName} is not a kind with generated functions`);
  return fns;
}
