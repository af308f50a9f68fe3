// A whole control plane for controller tests: a real apiserver, scheduler and
// controller-manager (processes, with the fast test flags), and an in-process TestKubelet
// that registers nodes, renews their Leases, runs (marks Running/Ready) the pods bound to
// them and finishes their deletion. One per test file.
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import { ApiClient, type ComponentProcess } from "@k8ts/sdk";
import { SchedulerProcess } from "@k8ts/scheduler/testing";
import type { ControllerManagerStatus } from "@k8ts/controller-manager";
import {
  TestKubelet,
  startControllerManager,
  waitForControllers,
  type TestKubeletOptions,
} from "@k8ts/controller-manager/testing";

export interface ControlPlaneOptions {
  /** Nodes of the test kubelet (default node-1..node-3). */
  readonly nodes?: readonly string[];
  /** Extra flags of the controller-manager. */
  readonly controllerManagerArgs?: readonly string[];
  /** Options of the test kubelet besides client and nodes. */
  readonly kubelet?: Omit<TestKubeletOptions, "client" | "nodes">;
}

export class ControlPlane {
  private constructor(
    readonly api: ApiServerProcess,
    readonly scheduler: SchedulerProcess,
    /** The controller-manager; restart() replaces it. */
    public controllerManager: ComponentProcess<ControllerManagerStatus>,
    readonly kubelet: TestKubelet,
    readonly client: ApiClient,
    private readonly cmArgs: readonly string[],
  ) {}

  static async start(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
    const api = await ApiServerProcess.start();
    const client = new ApiClient({ server: api.address });
    const scheduler = await SchedulerProcess.start({ server: api.address });
    const args = options.controllerManagerArgs ?? [];
    const cm = await startControllerManager({ server: api.address, args });
    const kubelet = await TestKubelet.start({
      client,
      nodes: options.nodes ?? ["node-1", "node-2", "node-3"],
      ...options.kubelet,
    });
    await waitForControllers(cm);
    return new ControlPlane(api, scheduler, cm, kubelet, client, args);
  }

  /** Stops the controller-manager (SIGTERM, or SIGKILL when `kill`) and starts a new one. */
  async restartControllerManager(kill = false): Promise<void> {
    if (kill) await this.controllerManager.kill();
    else await this.controllerManager.stop();
    await this.controllerManager.dispose();
    this.controllerManager = await startControllerManager({
      server: this.api.address,
      args: this.cmArgs,
    });
    await waitForControllers(this.controllerManager);
  }

  async dispose(): Promise<void> {
    await this.kubelet.close();
    this.client.close();
    await this.controllerManager.dispose();
    await this.scheduler.dispose();
    await this.api.dispose();
  }
}
