// One object's `describe` text: the kind's own description, then its Events.
import type { KindInfo, KindName, KindObjects } from "@k8ts/sdk";
import type { ApiObject } from "../kinds/resource-names.js";
import {
  describeEvent,
  describeLease,
  describeNamespace,
  describeNode,
} from "./cluster-describers.js";
import { DescribeWriter } from "./describe-writer.js";
import { describeEvents, objectEvents } from "./events-section.js";
import { describeEndpoints, describeIngress, describeService } from "./network-describers.js";
import { describeMetadata } from "./object-header.js";
import {
  describeDeployment,
  describePod,
  describeReplicaSet,
  type DescribeContext,
} from "./workload-describers.js";

type Describer<T> = (w: DescribeWriter, object: T, ctx: DescribeContext) => void | Promise<void>;

const DESCRIBERS: { readonly [K in KindName]: Describer<KindObjects[K]> } = {
  Pod: describePod,
  Deployment: describeDeployment,
  ReplicaSet: describeReplicaSet,
  Service: describeService,
  Endpoints: describeEndpoints,
  Ingress: describeIngress,
  Namespace: describeNamespace,
  Node: describeNode,
  Lease: describeLease,
  Event: describeEvent,
};

export async function describeObject(
  kind: KindInfo,
  object: ApiObject,
  ctx: DescribeContext,
): Promise<string> {
  const w = new DescribeWriter();
  // Objects are of the kind they were read as; the registry pairs each kind with its describer.
  const describer = DESCRIBERS[kind.kind as KindName] as Describer<ApiObject> | undefined;
  if (describer === undefined)
    describeMetadata(w, object.metadata, { namespaced: kind.namespaced });
  else await describer(w, object, ctx);
  // Events about an Event are not a thing.
  if (kind.kind !== "Event") describeEvents(w, await objectEvents(ctx.api, kind, object), ctx.now);
  return w.text();
}
