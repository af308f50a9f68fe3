#!/usr/bin/env node
// k8ts-runtime-mock: a runtime plugin (k8ts.runtime.v1) whose containers are simulated:
// each runs its command as a tiny shell script in memory (echo, sleep, exit, trap, cat,
// while loops), with no processes, images or namespaces, so one machine can simulate
// hundreds of nodes. Its state (sandboxes, containers, logs, images) is kept in
// --state-dir: a restarted plugin adopts everything, and containers "keep running" while
// it is down. Started, served and stopped as every plugin is (the SDK's runPlugin): flags
// with environment equivalents (see --help), readiness on --ready-fd, exit when that pipe
// closes, clean exit on SIGTERM/SIGINT. A stop ends long calls (log follows, stops waiting
// on a kill, execs) with UNAVAILABLE and saves the state; the simulated containers are
// left "running" for the next instance to adopt.
import { GrpcEdge, runPlugin } from "@k8ts/sdk/plugin";
import { ImageServiceService } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { runtimeStatusCode } from "./grpc-status.js";
import { runtimeServiceDefinition } from "./list-encoding.js";
import { MockRuntime } from "./mock-runtime.js";
import { imageService, runtimeService } from "./runtime-service.js";

runPlugin({
  executable: "k8ts-runtime-mock",
  component: "runtime-mock",
  summary: "Runtime plugin with simulated containers: runtime/v1 on a unix socket, for one node.",
  envPrefix: "K8TS_RUNTIME_MOCK",
  flags: {
    "start-delay": {
      kind: "duration",
      default: "0s",
      env: "K8TS_RUNTIME_MOCK_START_DELAY",
      description: "how long StartContainer takes",
    },
    "pull-delay": {
      kind: "duration",
      default: "0s",
      env: "K8TS_RUNTIME_MOCK_PULL_DELAY",
      description: "how long PullImage takes",
    },
    "missing-images": {
      kind: "list",
      default: ["*does-not-exist*", "*.invalid/*"],
      env: "K8TS_RUNTIME_MOCK_MISSING_IMAGES",
      description:
        "comma-separated globs (* and ?) of image references that do not exist: PullImage fails with NOT_FOUND",
    },
  },
  protoFiles: ["k8ts/runtime/v1/runtime.proto"],
  async start({ flags, nodeName, stateDir, logger }) {
    const runtime = await MockRuntime.open({
      nodeName,
      stateDir,
      startDelayMs: flags["start-delay"],
      pullDelayMs: flags["pull-delay"],
      missingImages: flags["missing-images"],
      logger,
    });
    const edge = new GrpcEdge(logger, runtimeStatusCode);
    return {
      services: [
        { definition: runtimeServiceDefinition, implementation: runtimeService(runtime, edge) },
        { definition: ImageServiceService, implementation: imageService(runtime, edge) },
      ],
      status: () => ({ counts: runtime.counts() }),
      // Ends the follows, waits and execs in flight, and saves the state.
      interrupt: () => runtime.close(),
    };
  },
});
