#!/usr/bin/env node
// A plugin executable for runPlugin's tests: network/v1 where Status answers, Add fails
// (InvalidRequestError without a sandbox id, an unexpected error otherwise) and the other
// methods are never called. It records its stop hooks in --state-dir/stops, in order.
import { appendFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import {
  NetworkPluginService,
  type NetworkPluginServer,
} from "../../gen/k8ts/network/v1/network.js";
import { GrpcEdge } from "../grpc-edge.js";
import { InvalidRequestError } from "../plugin-errors.js";
import { runPlugin } from "../plugin-main.js";

runPlugin({
  executable: "k8ts-fixture-plugin",
  component: "fixture-plugin",
  summary: "A plugin for tests.",
  envPrefix: "K8TS_FIXTURE_PLUGIN",
  flags: {
    "plugin-name": {
      kind: "string",
      default: "fixture",
      env: "K8TS_FIXTURE_PLUGIN_NAME",
      description: "what Status names the plugin",
    },
  },
  protoFiles: ["k8ts/network/v1/network.proto"],
  async start({ flags, stateDir, logger }) {
    await mkdir(stateDir, { recursive: true });
    const record = (hook: string): Promise<void> =>
      appendFile(join(stateDir, "stops"), `${hook}\n`);
    const edge = new GrpcEdge(logger, () => undefined);
    const unused = edge.unary<unknown, never>("Unused", () => {
      throw new Error("not part of the fixture");
    });
    const service: NetworkPluginServer = {
      status: edge.unary("Status", () => ({
        ready: true,
        reason: "",
        message: "",
        pluginName: flags["plugin-name"],
      })),
      add: edge.unary("Add", (req) => {
        if (req.sandboxId === "") throw new InvalidRequestError("sandbox_id", "is required");
        throw new Error("an unexpected failure");
      }),
      del: unused,
      check: unused,
      gc: unused,
    };
    return {
      services: [{ definition: NetworkPluginService, implementation: service }],
      status: () => ({ pluginName: flags["plugin-name"] }),
      interrupt: () => record("interrupt"),
      close: () => record("close"),
    };
  },
});
