import { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { describe, expect, it } from "vitest";
import { deploymentRolloutState, podWarning, withWarning } from "./rollout-status.js";

function deployment(
  status: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    progressing?: string;
  },
  options: { generation?: number; replicas?: number; revision?: string } = {},
): Deployment {
  return Deployment.fromPartial({
    metadata: {
      name: "web",
      generation: options.generation ?? 2,
      annotations:
        options.revision === undefined
          ? {}
          : { "deployment.kubernetes.io/revision": options.revision },
    },
    spec: { replicas: options.replicas ?? 3 },
    status: {
      observedGeneration: status.observedGeneration ?? 2,
      replicas: status.replicas ?? 0,
      updatedReplicas: status.updatedReplicas ?? 0,
      availableReplicas: status.availableReplicas ?? 0,
      conditions:
        status.progressing === undefined
          ? []
          : [{ type: "Progressing", status: "True", reason: status.progressing }],
    },
  });
}

describe("rollout status of a deployment", () => {
  it("waits for the controller to observe the spec", () => {
    expect(deploymentRolloutState(deployment({ observedGeneration: 1 }))).toEqual({
      message: "Waiting for deployment spec update to be observed...",
      done: false,
    });
  });

  it("words each stage as kubectl", () => {
    expect(deploymentRolloutState(deployment({ replicas: 4, updatedReplicas: 1 })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
    );
    expect(deploymentRolloutState(deployment({ replicas: 5, updatedReplicas: 3 })).message).toBe(
      'Waiting for deployment "web" rollout to finish: 2 old replicas are pending termination...',
    );
    expect(
      deploymentRolloutState(deployment({ replicas: 3, updatedReplicas: 3, availableReplicas: 1 }))
        .message,
    ).toBe(
      'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...',
    );
    expect(
      deploymentRolloutState(
        deployment({
          replicas: 3,
          updatedReplicas: 3,
          availableReplicas: 3,
          progressing: "NewReplicaSetAvailable",
        }),
      ),
    ).toEqual({ message: 'deployment "web" successfully rolled out', done: true });
  });

  it("fails once the progress deadline is exceeded", () => {
    expect(() =>
      deploymentRolloutState(
        deployment({ updatedReplicas: 1, progressing: "ProgressDeadlineExceeded" }),
      ),
    ).toThrow('deployment "web" exceeded its progress deadline');
  });

  it("scaled to zero is rolled out", () => {
    expect(deploymentRolloutState(deployment({}, { replicas: 0 })).done).toBe(true);
  });

  it("pins a revision", () => {
    const d = deployment(
      { replicas: 3, updatedReplicas: 3, availableReplicas: 3 },
      { revision: "2" },
    );
    expect(deploymentRolloutState(d, 2).done).toBe(true);
    expect(() => deploymentRolloutState(d, 3)).toThrow(
      "desired revision (3) is different from the running revision (2)",
    );
  });
});

describe("warnings from the pods", () => {
  it("names an unschedulable pod or a container that cannot start", () => {
    const unschedulable = Pod.fromPartial({
      status: {
        conditions: [
          {
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message: "0/3 nodes are available: 3 Insufficient cpu.",
          },
        ],
      },
    });
    const pulling = Pod.fromPartial({
      status: {
        containerStatuses: [
          {
            name: "web",
            state: {
              state: {
                $case: "waiting",
                value: { reason: "ImagePullBackOff", message: "Back-off pulling image" },
              },
            },
          },
        ],
      },
    });
    const running = Pod.fromPartial({ status: { phase: "Running" } });
    expect(podWarning([running])).toBeUndefined();
    expect(podWarning([running, unschedulable])).toBe(
      "0/3 nodes are available: 3 Insufficient cpu.",
    );
    expect(withWarning("Waiting...", podWarning([pulling]))).toBe(
      "Waiting... (Warning: ImagePullBackOff - Back-off pulling image)",
    );
  });
});
