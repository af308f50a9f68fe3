// Every check of the runtime/v1 conformance suite, in the order they run: each guarantee of
// proto/k8ts/runtime/v1/runtime.proto's header comment is checked by at least one.
import type { Check } from "../runner.js";
import { containerChecks } from "./checks/container-checks.js";
import { execChecks } from "./checks/exec-checks.js";
import { idChecks } from "./checks/id-checks.js";
import { identityChecks } from "./checks/identity-checks.js";
import { imageChecks } from "./checks/image-checks.js";
import { logChecks } from "./checks/log-checks.js";
import { pluginChecks } from "./checks/plugin-checks.js";
import { requestChecks } from "./checks/request-checks.js";
import { sandboxChecks } from "./checks/sandbox-checks.js";
import type { RuntimeCheckContext } from "./runtime-context.js";

export const runtimeChecks: readonly Check<RuntimeCheckContext>[] = [
  ...identityChecks,
  ...imageChecks,
  ...sandboxChecks,
  ...containerChecks,
  ...idChecks,
  ...requestChecks,
  ...logChecks,
  ...execChecks,
  ...pluginChecks,
];
