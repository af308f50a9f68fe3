// Version and Status: which contract, which runtime, which node, and whether it is ready.
import type { Check } from "../../runner.js";
import { expectEqual, expectThat } from "../../expectations.js";
import type { RuntimeCheckContext } from "../runtime-context.js";

export const identityChecks: readonly Check<RuntimeCheckContext>[] = [
  {
    name: "runtime/version",
    description:
      'Version answers contract version "v1", a runtime name and the node name the plugin serves.',
    async run(ctx) {
      const v = await ctx.step("Version", () => ctx.client.version());
      expectEqual("Version: version", "v1", v.version);
      expectThat("Version: runtime_name", v.runtimeName !== "", "a runtime name", '""');
      const expected = ctx.setup.expectedNodeName;
      if (expected === undefined)
        expectThat("Version: node_name", v.nodeName !== "", "the node's name", '""');
      else
        expectEqual(
          "Version: node_name (the --node-name it was started with)",
          expected,
          v.nodeName,
        );
    },
  },
  {
    name: "runtime/status",
    description: "Status reports the condition RuntimeReady as true.",
    async run(ctx) {
      const s = await ctx.step("Status", () => ctx.client.status());
      const ready = s.conditions.find((c) => c.type === "RuntimeReady");
      expectThat(
        "Status: condition RuntimeReady",
        ready?.status === true,
        "RuntimeReady with status true",
        ready === undefined
          ? `conditions ${JSON.stringify(s.conditions.map((c) => c.type))}`
          : `status false (${ready.reason}: ${ready.message})`,
      );
    },
  },
];
