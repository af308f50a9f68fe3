// A whole cluster on one machine for kubelet tests: a real apiserver, scheduler and
// controller-manager, and N nodes, each a real kubelet process with its own mock runtime
// and mock network plugin processes (fast test flags). One per test file.
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import { ApiClient, ComponentProcess, PluginProcess, type ComponentStatus } from "@k8ts/sdk";
import { SchedulerProcess } from "@k8ts/scheduler/testing";
import type { ControllerManagerStatus } from "@k8ts/controller-manager";
import { startControllerManager, waitForControllers } from "@k8ts/controller-manager/testing";

const main = (specifier: string): string => fileURLToPath(import.meta.resolve(specifier));

export interface KubeletStatus extends ComponentStatus {
  readonly pods: number;
  readonly runtimePods: number;
  readonly metrics: Record<string, number>;
  readonly kubeletAddress: string;
}

/** The fast timings kubelet tests run with. */
export const FAST_KUBELET_FLAGS = [
  "--relist-period",
  "200ms",
  "--node-lease-renew-interval",
  "1s",
  "--node-status-update-frequency",
  "1s",
  "--crash-loop-backoff-initial",
  "1s",
  "--crash-loop-backoff-max",
  "8s",
] as const;

export interface NodeOptions {
  readonly kubeletArgs?: readonly string[];
  readonly runtimeArgs?: readonly string[];
}

interface KubeletLaunch {
  readonly name: string;
  readonly dir: string;
  readonly server: string;
  readonly podCidr: string;
  readonly tokenFile: string;
  readonly options: NodeOptions;
}

function launchKubelet(
  l: KubeletLaunch,
  runtimeEndpoint: string,
  networkEndpoint: string,
): Promise<ComponentProcess<KubeletStatus>> {
  return ComponentProcess.start<KubeletStatus>({
    main: main("@k8ts/kubelet/main"),
    name: `kubelet-${l.name}`,
    logDir: l.dir,
    args: [
      "--server",
      l.server,
      "--node-name",
      l.name,
      "--runtime-endpoint",
      runtimeEndpoint,
      "--network-endpoint",
      networkEndpoint,
      "--pod-cidr",
      l.podCidr,
      "--listen",
      "127.0.0.1:0",
      "--client-token-file",
      l.tokenFile,
      "--cpu",
      "8",
      "--memory",
      "16Gi",
      ...FAST_KUBELET_FLAGS,
      ...(l.options.kubeletArgs ?? []),
    ],
  });
}

/** One node: mock runtime + mock network plugin + kubelet, all real processes. */
export class MockNode {
  readonly name: string;
  readonly dir: string;

  private constructor(
    private readonly launch: KubeletLaunch,
    public runtime: PluginProcess,
    public network: PluginProcess,
    public kubelet: ComponentProcess<KubeletStatus>,
  ) {
    this.name = launch.name;
    this.dir = launch.dir;
  }

  static async start(
    server: string,
    name: string,
    dir: string,
    podCidr: string,
    tokenFile: string,
    options: NodeOptions = {},
  ): Promise<MockNode> {
    await mkdir(dir, { recursive: true });
    const runtime = await MockNode.startRuntime(name, dir, options);
    const network = await PluginProcess.start({
      command: [process.execPath, main("@k8ts/cni-mock/main")],
      nodeName: name,
      socket: join(dir, "net.sock"),
      stateDir: join(dir, "net"),
      logFile: join(dir, "cni-mock.log"),
    });
    const launch = { name, dir, server, podCidr, tokenFile, options };
    const kubelet = await launchKubelet(launch, runtime.endpoint, network.endpoint);
    return new MockNode(launch, runtime, network, kubelet);
  }

  private static startRuntime(
    name: string,
    dir: string,
    options: NodeOptions,
  ): Promise<PluginProcess> {
    return PluginProcess.start({
      command: [process.execPath, main("@k8ts/runtime-mock/main")],
      nodeName: name,
      socket: join(dir, "rt.sock"),
      stateDir: join(dir, "runtime"),
      logFile: join(dir, "runtime-mock.log"),
      args: options.runtimeArgs ?? [],
    });
  }

  /** Kills the kubelet (SIGKILL); startKubelet() starts a new one. */
  async killKubelet(): Promise<void> {
    await this.kubelet.kill();
  }

  async startKubelet(): Promise<void> {
    this.kubelet = await launchKubelet(this.launch, this.runtime.endpoint, this.network.endpoint);
  }

  /** Stops the kubelet (SIGTERM, or SIGKILL when `kill`) and starts a new one. */
  async restartKubelet(kill = false): Promise<void> {
    if (kill) await this.kubelet.kill();
    else await this.kubelet.stop();
    this.kubelet = await launchKubelet(this.launch, this.runtime.endpoint, this.network.endpoint);
  }

  /** Stops the runtime plugin (SIGTERM, or SIGKILL) and starts it again with the same state. */
  async restartRuntime(kill = false): Promise<void> {
    if (kill) await this.runtime.kill();
    else await this.runtime.stop();
    this.runtime = await MockNode.startRuntime(this.name, this.dir, this.launch.options);
  }

  async dispose(): Promise<void> {
    await this.kubelet.kill();
    await this.runtime.kill();
    await this.network.kill();
  }
}

export interface KubeletClusterOptions {
  /** Number of nodes (default 3), named node-1..node-N. */
  readonly nodes?: number;
  readonly node?: NodeOptions;
  readonly controllerManagerArgs?: readonly string[];
}

export class KubeletCluster {
  private constructor(
    readonly dir: string,
    readonly api: ApiServerProcess,
    readonly scheduler: SchedulerProcess,
    readonly controllerManager: ComponentProcess<ControllerManagerStatus>,
    readonly nodes: MockNode[],
    readonly client: ApiClient,
  ) {}

  static async start(options: KubeletClusterOptions = {}): Promise<KubeletCluster> {
    // Short: unix socket paths must stay under 108 bytes.
    const dir = await mkdtemp(join(tmpdir(), "k8ts-kc-"));
    const token = `kubelet-${Math.random().toString(36).slice(2)}`;
    const tokenFile = join(dir, "kubelet-token");
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    const api = await ApiServerProcess.start({ args: ["--kubelet-client-token-file", tokenFile] });
    const client = new ApiClient({ server: api.address });
    const scheduler = await SchedulerProcess.start({ server: api.address });
    const cm = await startControllerManager({
      server: api.address,
      args: options.controllerManagerArgs ?? [],
    });
    const nodes: MockNode[] = [];
    const count = options.nodes ?? 3;
    for (let i = 1; i <= count; i++)
      nodes.push(
        await MockNode.start(
          api.address,
          `node-${i}`,
          join(dir, `n${i}`),
          `10.244.${i}.0/24`,
          tokenFile,
          options.node,
        ),
      );
    await waitForControllers(cm);
    return new KubeletCluster(dir, api, scheduler, cm, nodes, client);
  }

  node(name: string): MockNode {
    const n = this.nodes.find((x) => x.name === name);
    if (n === undefined) throw new Error(`no node ${name}`);
    return n;
  }

  async dispose(): Promise<void> {
    this.client.close();
    for (const n of this.nodes) await n.dispose();
    await this.controllerManager.dispose();
    await this.scheduler.dispose();
    await this.api.dispose();
    await rm(this.dir, { recursive: true, force: true });
  }
}
