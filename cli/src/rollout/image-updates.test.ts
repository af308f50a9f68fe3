import { lookupKind, type KindInfo } from "@k8ts/sdk";
import { Deployment } from "@k8ts/sdk/gen/k8ts/api/v1/deployment.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { describe, expect, it } from "vitest";
import { imagePatch, parseImageArgs } from "./image-updates.js";

const kind = (name: string): KindInfo => lookupKind(name) as KindInfo;

const web = Deployment.fromPartial({
  metadata: { name: "web", resourceVersion: "7" },
  spec: {
    template: {
      spec: {
        initContainers: [{ name: "migrate", image: "k8ts/web:1.0" }],
        containers: [
          { name: "web", image: "k8ts/web:1.0" },
          { name: "proxy", image: "envoy:1.30" },
        ],
      },
    },
  },
});

describe("set image arguments", () => {
  it("splits resources from CONTAINER=IMAGE pairs", () => {
    const { resources, images } = parseImageArgs(["deployment", "web", "web=a:1", "proxy=b:2"]);
    expect(resources).toEqual(["deployment", "web"]);
    expect([...images]).toEqual([
      ["web", "a:1"],
      ["proxy", "b:2"],
    ]);
  });

  it("refuses what kubectl refuses", () => {
    expect(() => parseImageArgs(["deploy/web"])).toThrow("at least one image update is required");
    expect(() => parseImageArgs(["web=a:1"])).toThrow(
      "one or more resources must be specified as <resource> <name> or <resource>/<name>",
    );
    expect(() => parseImageArgs(["deploy/web", "web="])).toThrow("invalid image format: web=");
    expect(() => parseImageArgs(["deploy/web", "*=a:1", "web=b:1"])).toThrow(
      "all containers are already specified by *",
    );
    expect(() => parseImageArgs(["deploy/web", "web=a:1", "deploy/api"])).toThrow(
      "all resources must be specified before image changes: deploy/api",
    );
  });
});

describe("the set image patch", () => {
  it("names only the containers whose image changes, pinned to the version read", () => {
    expect(imagePatch(kind("Deployment"), web, new Map([["web", "k8ts/web:1.1"]]))).toEqual({
      spec: { template: { spec: { containers: [{ name: "web", image: "k8ts/web:1.1" }] } } },
      metadata: { resourceVersion: "7" },
    });
  });

  it("sets init containers too, and every container with *", () => {
    expect(imagePatch(kind("Deployment"), web, new Map([["*", "k8ts/web:2.0"]]))).toEqual({
      spec: {
        template: {
          spec: {
            containers: [
              { name: "web", image: "k8ts/web:2.0" },
              { name: "proxy", image: "k8ts/web:2.0" },
            ],
            initContainers: [{ name: "migrate", image: "k8ts/web:2.0" }],
          },
        },
      },
      metadata: { resourceVersion: "7" },
    });
  });

  it("is nothing when the images are already set", () => {
    expect(imagePatch(kind("Deployment"), web, new Map([["web", "k8ts/web:1.0"]]))).toBeUndefined();
  });

  it("names a container the object does not have", () => {
    expect(() => imagePatch(kind("Deployment"), web, new Map([["api", "x:1"]]))).toThrow(
      'unable to find container named "api"',
    );
  });

  it("patches a Pod's own spec and refuses kinds without containers", () => {
    const pod = Pod.fromPartial({
      metadata: { name: "p", resourceVersion: "3" },
      spec: { containers: [{ name: "web", image: "a:1" }] },
    });
    expect(imagePatch(kind("Pod"), pod, new Map([["web", "a:2"]]))).toEqual({
      spec: { containers: [{ name: "web", image: "a:2" }] },
      metadata: { resourceVersion: "3" },
    });
    expect(() =>
      imagePatch(kind("Service"), { metadata: pod.metadata }, new Map([["web", "a:2"]])),
    ).toThrow('services "p": the object is not a pod or does not have a pod template');
  });
});
