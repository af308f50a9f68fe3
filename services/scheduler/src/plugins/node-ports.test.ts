import { describe, expect, it } from "vitest";
import { makeNode, makePod, newState, nodeInfo, podInfo } from "../testing/test-objects.js";
import { NODE_PORTS_REASON, NodePorts } from "./node-ports.js";

describe("NodePorts", () => {
  const plugin = new NodePorts();

  it("rejects a node where a host port is taken, for the same protocol only", () => {
    const node = nodeInfo(makeNode("a"), [makePod("web", { hostPorts: [8080] })]);
    expect(plugin.filter(newState(), podInfo("p", { hostPorts: [8080] }), node)).toEqual({
      code: "Unschedulable",
      reasons: [NODE_PORTS_REASON],
    });
    expect(plugin.filter(newState(), podInfo("q", { hostPorts: [9090] }), node)).toBeUndefined();
    const udp = podInfo("u", {
      spec: {
        containers: [
          {
            name: "c",
            image: "busybox",
            command: [],
            args: [],
            workingDir: "",
            env: [],
            imagePullPolicy: "",
            stdin: false,
            tty: false,
            ports: [{ name: "", containerPort: 53, hostPort: 8080, protocol: "UDP" }],
          },
        ],
      },
    });
    expect(plugin.filter(newState(), udp, node)).toBeUndefined();
  });

  it("frees the port when the pod leaves the node", () => {
    const node = nodeInfo(makeNode("a"), [makePod("web", { uid: "w", hostPorts: [8080] })]);
    node.removePod("w");
    expect(plugin.filter(newState(), podInfo("p", { hostPorts: [8080] }), node)).toBeUndefined();
  });

  it("ignores container ports without a host port", () => {
    const node = nodeInfo(makeNode("a"), [makePod("web", { hostPorts: [8080] })]);
    expect(plugin.filter(newState(), podInfo("p"), node)).toBeUndefined();
  });
});
