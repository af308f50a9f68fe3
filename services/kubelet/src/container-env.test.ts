import { describe, expect, it } from "vitest";
import { Container } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import { Pod } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import { expandReferences, resolveContainerEnv } from "./container-env.js";

describe("container environment", () => {
  it("expands $(VAR) references as Kubernetes does", () => {
    const vars = new Map([["A", "x"]]);
    expect(expandReferences("$(A)-$(B)-$$(A)-$", vars)).toBe("x-$(B)-$(A)-$");
  });

  it("resolves the Downward API and earlier variables, in order", () => {
    const pod = Pod.fromPartial({
      metadata: { name: "web-1", namespace: "shop", uid: "u", labels: { app: "web" } },
      spec: { nodeName: "n1" },
    });
    const r = resolveContainerEnv(
      pod,
      Container.fromPartial({
        name: "c",
        image: "i",
        command: ["echo", "$(GREETING)"],
        args: ["$(POD_IP)"],
        env: [
          {
            name: "POD_NAME",
            value: "",
            valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "metadata.name" } },
          },
          {
            name: "POD_IP",
            value: "",
            valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "status.podIP" } },
          },
          { name: "GREETING", value: "hi $(POD_NAME) on $(NODE)" },
        ],
      }),
      { podIP: "10.0.0.5", hostIP: "127.0.0.1" },
    );
    expect(r.env).toEqual([
      { key: "POD_NAME", value: "web-1" },
      { key: "POD_IP", value: "10.0.0.5" },
      { key: "GREETING", value: "hi web-1 on $(NODE)" },
    ]);
    expect(r.command).toEqual(["echo", "hi web-1 on $(NODE)"]);
    expect(r.args).toEqual(["10.0.0.5"]);
  });
});
