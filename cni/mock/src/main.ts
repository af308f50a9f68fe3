#!/usr/bin/env node
// k8ts-cni-mock: a network plugin (k8ts.network.v1) that only hands out addresses from the
// node's pod CIDR and touches nothing: no interfaces, routes or namespaces, so simulated
// nodes get pod IPs at no cost. Allocations are kept in --state-dir across restarts.
// Started, served and stopped as every plugin is (the SDK's runPlugin): flags with
// environment equivalents (see --help), readiness on --ready-fd, exit when that pipe
// closes, clean exit on SIGTERM/SIGINT once the calls in flight are answered and saved.
import { NetworkPluginService } from "@k8ts/sdk/gen/k8ts/network/v1/network.js";
import { runPlugin } from "@k8ts/sdk/plugin";
import { AddressAllocator } from "./address-allocator.js";
import { AllocationStore } from "./allocation-store.js";
import { networkService } from "./network-service.js";

runPlugin({
  executable: "k8ts-cni-mock",
  component: "cni-mock",
  summary:
    "Network plugin that hands out pod addresses and configures nothing: network/v1 on a unix socket, for one node.",
  envPrefix: "K8TS_CNI_MOCK",
  flags: {},
  protoFiles: ["k8ts/network/v1/network.proto"],
  async start({ nodeName, stateDir, logger }) {
    const store = await AllocationStore.open(stateDir, nodeName, logger);
    const allocator = new AddressAllocator(store.loaded, (change) => store.changed(change));
    store.attach(allocator);
    return {
      services: [
        {
          definition: NetworkPluginService,
          implementation: networkService(allocator, store, logger),
        },
      ],
      status: () => ({ allocations: allocator.size }),
      close: () => store.close(),
    };
  },
});
