// Builders of Deployments and ReplicaSets for the deployment controller's unit tests.
import { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import type { IntOrString } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";
import { ReplicaSet } from "@k8ts/sdk/gen/k8ts/api/v1/replicaset.js";
import { DESIRED_REPLICAS_ANNOTATION, MAX_REPLICAS_ANNOTATION } from "./revision-history.js";

export function intOrString(v: number | string): IntOrString {
  return typeof v === "number"
    ? { value: { $case: "intVal", value: v } }
    : { value: { $case: "strVal", value: v } };
}

export interface DeploymentShape {
  readonly replicas?: number;
  readonly maxSurge?: number | string;
  readonly maxUnavailable?: number | string;
  readonly recreate?: boolean;
  readonly image?: string;
  readonly generation?: number;
  readonly progressDeadlineSeconds?: number;
  readonly revisionHistoryLimit?: number;
  readonly paused?: boolean;
  readonly statusReplicas?: number;
  readonly annotations?: Record<string, string>;
}

export function deployment(shape: DeploymentShape = {}): Deployment {
  return Deployment.fromPartial({
    metadata: {
      name: "web",
      namespace: "ns",
      uid: "d-uid",
      generation: shape.generation ?? 1,
      annotations: shape.annotations ?? {},
    },
    spec: {
      replicas: shape.replicas ?? 3,
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: {
          restartPolicy: "Always",
          containers: [{ name: "main", image: shape.image ?? "busybox:1" }],
        },
      },
      strategy: shape.recreate
        ? { type: "Recreate" }
        : {
            type: "RollingUpdate",
            rollingUpdate: {
              maxSurge: intOrString(shape.maxSurge ?? "25%"),
              maxUnavailable: intOrString(shape.maxUnavailable ?? "25%"),
            },
          },
      revisionHistoryLimit: shape.revisionHistoryLimit ?? 10,
      progressDeadlineSeconds: shape.progressDeadlineSeconds ?? 600,
      paused: shape.paused ?? false,
    },
    status: { replicas: shape.statusReplicas ?? 0 },
  });
}

export interface ReplicaSetShape {
  readonly replicas: number;
  readonly available?: number;
  readonly ready?: number;
  readonly actual?: number;
  /** Seconds since the epoch, ordering ReplicaSets by age. */
  readonly created?: number;
  readonly revision?: number;
  readonly image?: string;
  /** desired-replicas and max-replicas annotations. */
  readonly desired?: number;
  readonly max?: number;
  readonly generation?: number;
  readonly observedGeneration?: number;
  readonly deleting?: boolean;
}

export function replicaSet(name: string, shape: ReplicaSetShape): ReplicaSet {
  const annotations: Record<string, string> = {};
  if (shape.revision !== undefined)
    annotations["deployment.kubernetes.io/revision"] = String(shape.revision);
  if (shape.desired !== undefined) annotations[DESIRED_REPLICAS_ANNOTATION] = String(shape.desired);
  if (shape.max !== undefined) annotations[MAX_REPLICAS_ANNOTATION] = String(shape.max);
  return ReplicaSet.fromPartial({
    metadata: {
      name,
      namespace: "ns",
      uid: `${name}-uid`,
      generation: shape.generation ?? 1,
      creationTimestamp: new Date((shape.created ?? 0) * 1000),
      deletionTimestamp: shape.deleting === true ? new Date() : undefined,
      annotations,
      labels: { app: "web", "pod-template-hash": name },
    },
    spec: {
      replicas: shape.replicas,
      selector: { matchLabels: { app: "web", "pod-template-hash": name } },
      template: {
        metadata: { labels: { app: "web", "pod-template-hash": name } },
        spec: {
          restartPolicy: "Always",
          containers: [{ name: "main", image: shape.image ?? `busybox:${name}` }],
        },
      },
    },
    status: {
      replicas: shape.actual ?? shape.replicas,
      readyReplicas: shape.ready ?? shape.available ?? shape.replicas,
      availableReplicas: shape.available ?? shape.replicas,
      observedGeneration: shape.observedGeneration ?? shape.generation ?? 1,
    },
  });
}
