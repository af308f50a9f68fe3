import { lookupKind, type KindInfo } from "@k8ts/sdk";
import { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { describe, expect, it } from "vitest";
import { pausePatch, restartPatch, resumePatch, rfc3339 } from "./deployment-patches.js";

const kind = lookupKind("Deployment") as KindInfo;
const running = Deployment.fromPartial({ metadata: { name: "web" }, spec: { paused: false } });
const paused = Deployment.fromPartial({ metadata: { name: "web" }, spec: { paused: true } });

describe("pause, resume and restart", () => {
  it("pauses and resumes, refusing as kubectl when there is nothing to do", () => {
    expect(pausePatch(kind, running)).toEqual({ spec: { paused: true } });
    expect(() => pausePatch(kind, paused)).toThrow('deployments.apps "web" is already paused');
    expect(resumePatch(kind, paused)).toEqual({ spec: { paused: false } });
    expect(() => resumePatch(kind, running)).toThrow('deployments.apps "web" is not paused');
  });

  it("restarts with the time in RFC 3339, not while paused", () => {
    const now = new Date("2025-03-04T05:06:07.890Z");
    expect(rfc3339(now)).toBe("2025-03-04T05:06:07Z");
    expect(restartPatch(kind, running, now)).toEqual({
      spec: {
        template: {
          metadata: {
            annotations: { "kubectl.kubernetes.io/restartedAt": "2025-03-04T05:06:07Z" },
          },
        },
      },
    });
    expect(() => restartPatch(kind, paused, now)).toThrow(
      "can't restart paused deployment (run rollout resume first)",
    );
  });
});
