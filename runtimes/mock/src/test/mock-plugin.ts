// The mock runtime as tests use it: the built executable started as `k8ts up` starts a
// plugin (readiness on fd 3), in a temp dir of its own, with a RuntimeClient on its socket;
// restartable on the same state dir.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ComponentProcess, RuntimeClient } from "@k8ts/sdk";
import type {
  ContainerConfig,
  LogEntry,
  PodSandboxConfig,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";

export const MAIN = fileURLToPath(new URL("../main.js", import.meta.url));

export class MockPlugin {
  private constructor(
    readonly dir: string,
    readonly nodeName: string,
    readonly extraArgs: readonly string[],
    public process: ComponentProcess,
    public client: RuntimeClient,
  ) {}

  static async start(nodeName = "node-a", extraArgs: readonly string[] = []): Promise<MockPlugin> {
    const dir = await mkdtemp(join(tmpdir(), "k8ts-rt-mock-"));
    const process = await startProcess(dir, nodeName, extraArgs);
    return new MockPlugin(dir, nodeName, extraArgs, process, clientFor(dir));
  }

  get socket(): string {
    return join(this.dir, "runtime.sock");
  }

  get stateDir(): string {
    return join(this.dir, "state");
  }

  /** SIGTERM (unless it is gone already), then a new process on the same dirs. */
  async restart(): Promise<void> {
    this.client.close();
    if (this.process.running) {
      const code = await this.process.stop();
      if (code !== 0) throw new Error(`mock runtime exited with ${String(code)}`);
    }
    await this.process.dispose();
    this.process = await startProcess(this.dir, this.nodeName, this.extraArgs);
    this.client = clientFor(this.dir);
  }

  async dispose(): Promise<void> {
    this.client.close();
    await this.process.dispose();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function startProcess(
  dir: string,
  nodeName: string,
  extraArgs: readonly string[],
): Promise<ComponentProcess> {
  return ComponentProcess.start({
    main: MAIN,
    name: "runtime-mock",
    args: [
      "--node-name",
      nodeName,
      "--socket",
      `unix://${join(dir, "runtime.sock")}`,
      "--state-dir",
      join(dir, "state"),
      ...extraArgs,
    ],
  });
}

function clientFor(dir: string): RuntimeClient {
  return new RuntimeClient(`unix://${join(dir, "runtime.sock")}`, { deadlineMs: 10_000 });
}

export function sandboxConfig(
  name: string,
  labels: Record<string, string> = {},
  annotations: Record<string, string> = {},
): PodSandboxConfig {
  return {
    metadata: { name, uid: `uid-${name}`, namespace: "default", attempt: 0 },
    hostname: name,
    hostNetwork: false,
    labels,
    annotations,
  };
}

export function containerConfig(
  name: string,
  command: readonly string[],
  options: Partial<ContainerConfig> = {},
): ContainerConfig {
  return {
    metadata: { name, attempt: 0 },
    image: { image: "busybox:latest" },
    command: [...command],
    args: [],
    workingDir: "",
    envs: [],
    stdin: false,
    tty: false,
    labels: {},
    annotations: {},
    ...options,
  };
}

/** `sh -c SCRIPT` */
export function sh(script: string): string[] {
  return ["sh", "-c", script];
}

/** Every entry of a container's log (not following). */
export async function readLog(
  client: RuntimeClient,
  containerId: string,
  options: { tailLines?: number; sinceTime?: number } = {},
): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  for await (const chunk of client.containerLogs({ containerId, follow: false, ...options }))
    entries.push(...(chunk as { entries: LogEntry[] }).entries);
  return entries;
}

/** "stream content" of each entry. */
export function lines(entries: readonly LogEntry[]): string[] {
  return entries.map((e) => `${e.stream} ${e.content.toString()}`);
}
