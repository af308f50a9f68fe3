// A real scheduler process for tests and benchmarks, started as `k8ts up` starts it.
import { fileURLToPath } from "node:url";
import { ComponentProcess, type ComponentProcessOptions } from "@k8ts/sdk";
import type { SchedulerStatus } from "../scheduler-status.js";

const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));

/** Flags that make a test cluster react in milliseconds instead of seconds. */
export const FAST_SCHEDULER_ARGS: readonly string[] = [
  "--pod-initial-backoff",
  "50ms",
  "--pod-max-backoff",
  "500ms",
  "--lease-duration",
  "2s",
  "--renew-deadline",
  "1500ms",
  "--retry-period",
  "250ms",
];

export interface SchedulerProcessOptions extends Omit<
  ComponentProcessOptions,
  "main" | "name" | "args"
> {
  /** host:port of the apiserver. */
  readonly server: string;
  /** Extra flags (after FAST_SCHEDULER_ARGS unless `fast` is false). */
  readonly args?: readonly string[];
  /** Prepend FAST_SCHEDULER_ARGS (default true). */
  readonly fast?: boolean;
}

export class SchedulerProcess {
  private constructor(readonly process: ComponentProcess<SchedulerStatus>) {}

  static async start(options: SchedulerProcessOptions): Promise<SchedulerProcess> {
    const { server, args, fast, ...rest } = options;
    return new SchedulerProcess(
      await ComponentProcess.start<SchedulerStatus>({
        ...rest,
        main: MAIN,
        name: "scheduler",
        args: ["--server", server, ...(fast === false ? [] : FAST_SCHEDULER_ARGS), ...(args ?? [])],
      }),
    );
  }

  get child(): ComponentProcess["child"] {
    return this.process.child;
  }
  get identity(): string {
    return this.process.identity;
  }
  get statusAddress(): string {
    return this.process.statusAddress;
  }
  get logFile(): string {
    return this.process.logFile;
  }
  get running(): boolean {
    return this.process.running;
  }
  stop(): Promise<number | null> {
    return this.process.stop();
  }
  kill(): Promise<void> {
    return this.process.kill();
  }
  status(): Promise<SchedulerStatus> {
    return this.process.status();
  }
  logs(): Promise<string> {
    return this.process.logs();
  }
  dispose(): Promise<void> {
    return this.process.dispose();
  }

  /**
   * Waits until the scheduler's cache holds exactly `nodes` and its queue is empty (it has
   * caught up with the nodes a test created and the pods it deleted).
   */
  async waitForIdle(nodes: readonly string[], timeoutMs = 15_000): Promise<void> {
    const want = JSON.stringify([...nodes].sort());
    await this.process.waitForStatus(
      (s) => {
        const q = s.queue;
        return (
          JSON.stringify(s.nodes) === want &&
          q.active + q.backoff + q.unschedulable + q.inFlight === 0
        );
      },
      `caught up with nodes ${want} and an empty queue`,
      timeoutMs,
    );
  }
}
