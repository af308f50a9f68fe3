// A real controller-manager process for tests and benchmarks, started as `k8ts up` starts it.
import { fileURLToPath } from "node:url";
import { ComponentProcess, type ComponentProcessOptions } from "@k8ts/sdk";
import type { ControllerManagerStatus } from "../controller-manager-status.js";

const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));

/** Flags that make a test cluster react in milliseconds instead of seconds. */
export const FAST_CONTROLLER_MANAGER_ARGS: readonly string[] = [
  "--lease-duration",
  "2s",
  "--renew-deadline",
  "1500ms",
  "--retry-period",
  "250ms",
  "--node-monitor-period",
  "250ms",
  "--pod-gc-period",
  "500ms",
];

export interface ControllerManagerProcessOptions extends Omit<
  ComponentProcessOptions,
  "main" | "name" | "args"
> {
  /** host:port of the apiserver. */
  readonly server: string;
  /** Extra flags (after FAST_CONTROLLER_MANAGER_ARGS unless `fast` is false). */
  readonly args?: readonly string[];
  /** Prepend FAST_CONTROLLER_MANAGER_ARGS (default true). */
  readonly fast?: boolean;
}

/** Starts a controller-manager; `process.status()` reads its /statusz. */
export async function startControllerManager(
  options: ControllerManagerProcessOptions,
): Promise<ComponentProcess<ControllerManagerStatus>> {
  const { server, args, fast, ...rest } = options;
  return ComponentProcess.start<ControllerManagerStatus>({
    ...rest,
    main: MAIN,
    name: "controller-manager",
    args: [
      "--server",
      server,
      ...(fast === false ? [] : FAST_CONTROLLER_MANAGER_ARGS),
      ...(args ?? []),
    ],
  });
}

/** Waits until the process leads and runs every enabled controller. */
export async function waitForControllers(
  process: ComponentProcess<ControllerManagerStatus>,
  timeoutMs = 15_000,
): Promise<void> {
  await process.waitForStatus(
    (s) => s.leading && s.enabled.every((n) => n in s.controllers),
    "leading with every controller running",
    timeoutMs,
  );
}
