// What a runtime check works with: the runtime under test, the images to use, labels unique
// to this run (so the suite never touches other objects on the endpoint), and helpers that
// create sandboxes and containers and register their removal with the check's scope.
import { randomUUID } from "node:crypto";
import { RuntimeClient } from "@k8ts/sdk";
import {
  ContainerConfig,
  ContainerState,
  PodSandboxConfig,
  type ContainerStatus,
} from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { CheckFailure } from "../check-failure.js";
import type { PluginCommand } from "../plugin-command.js";
import { PluginInstance } from "../plugin-instance.js";
import type { CheckScope } from "../runner.js";
import { waitUntil } from "../wait-until.js";

/** Label every object of a run carries: the value is the run's id. */
export const RUN_LABEL = "conformance.k8ts.io/run";
/** Label naming the check that created an object. */
export const CHECK_LABEL = "conformance.k8ts.io/check";
/** Namespace written into sandbox metadata. */
export const SANDBOX_NAMESPACE = "k8ts-conformance";

/** What every check of one run shares. */
export interface RuntimeSuiteSetup {
  /** Unique to this run; part of every label and name the suite writes. */
  readonly runId: string;
  readonly image: string;
  readonly missingImage: string;
  readonly timeoutMs: number;
  /** The runtime the endpoint checks talk to. */
  readonly client: RuntimeClient;
  /** The node name the suite started that runtime with (--plugin without --endpoint). */
  readonly expectedNodeName: string | undefined;
  /** How to start plugin instances, when given. */
  readonly plugin: PluginCommand | undefined;
  /** Pulls of --image per client, so each runtime pulls it once per run. */
  readonly pulls: Map<RuntimeClient, Promise<string>>;
}

export interface Sandbox {
  readonly id: string;
  readonly config: PodSandboxConfig;
  readonly client: RuntimeClient;
}

/** A plugin instance started by a check, with a client of its own. */
export interface StartedPlugin {
  readonly instance: PluginInstance;
  readonly client: RuntimeClient;
}

export interface SandboxOptions {
  readonly client?: RuntimeClient;
  /** Labels besides the run and check labels. */
  readonly labels?: Record<string, string>;
}

export interface ContainerOptions {
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly image?: string;
}

// Annotations are returned unchanged: values with spaces, quotes, newlines and non-ASCII
// catch runtimes that store them in places with their own syntax (docker labels, files).
export const TRICKY_ANNOTATIONS: Readonly<Record<string, string>> = {
  "conformance.k8ts.io/note": 'spaces, "quotes", = and ; signs',
  "conformance.k8ts.io/multiline": "line one\nline two",
  "conformance.k8ts.io/unicode": "naïve ✓ 日本",
  "conformance.k8ts.io/empty": "",
};

const WAIT_MARGIN_MS = 250;

export function stateName(state: ContainerState): string {
  return ContainerState[state] ?? String(state);
}

export class RuntimeCheckContext {
  private sandboxes = 0;

  constructor(
    readonly setup: RuntimeSuiteSetup,
    readonly scope: CheckScope,
  ) {}

  get client(): RuntimeClient {
    return this.setup.client;
  }

  get image(): string {
    return this.setup.image;
  }

  /** A short, label-safe form of the check's name. */
  get slug(): string {
    return this.scope.checkName.replace(/[^A-Za-z0-9]+/g, "-");
  }

  /** The run and check labels, plus `extra`. */
  labels(extra: Record<string, string> = {}): Record<string, string> {
    return { [RUN_LABEL]: this.setup.runId, [CHECK_LABEL]: this.slug, ...extra };
  }

  /** An id no runtime has handed out (it embeds this run's id). */
  unknownId(kind: string): string {
    return `conformance-unknown-${kind}-${this.setup.runId}`;
  }

  step<T>(what: string, action: () => Promise<T>): Promise<T> {
    return this.scope.step(what, action);
  }

  /** Pulls --image into `client`'s runtime once per run. */
  ensureImage(client: RuntimeClient = this.client): Promise<string> {
    let pull = this.setup.pulls.get(client);
    if (pull === undefined) {
      pull = client.pullImage(this.image, Math.max(this.scope.remainingMs(), 1000));
      this.setup.pulls.set(client, pull);
      // A failed pull is not remembered: the next check tries again.
      void pull.catch(() => this.setup.pulls.delete(client));
    }
    return this.step(`PullImage ${this.image}`, () => pull);
  }

  sandboxConfig(labels: Record<string, string> = {}): PodSandboxConfig {
    const name = `conf-${this.slug}-${++this.sandboxes}`.slice(0, 63).replace(/-+$/, "");
    return PodSandboxConfig.fromPartial({
      metadata: { name, uid: randomUUID(), namespace: SANDBOX_NAMESPACE, attempt: 0 },
      hostname: name,
      labels: this.labels(labels),
      annotations: { ...TRICKY_ANNOTATIONS },
    });
  }

  /** Runs a sandbox; it is removed (with its containers) when the check ends. */
  async runSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
    const client = options.client ?? this.client;
    const config = this.sandboxConfig(options.labels);
    const id = await this.step(`RunPodSandbox ${config.metadata?.name ?? ""}`, () =>
      client.runPodSandbox(config),
    );
    this.scope.defer(`RemovePodSandbox ${id}`, () => client.removePodSandbox(id));
    if (id === "") throw new CheckFailure("RunPodSandbox: pod_sandbox_id", "an id", '""');
    return { id, config, client };
  }

  containerConfig(
    name: string,
    command: readonly string[],
    options: ContainerOptions = {},
  ): ContainerConfig {
    return ContainerConfig.fromPartial({
      metadata: { name, attempt: 0 },
      image: { image: options.image ?? this.image },
      command: [...command],
      labels: this.labels(options.labels),
      annotations: options.annotations ?? { ...TRICKY_ANNOTATIONS },
    });
  }

  /** Creates a container (not started); it is removed when the check ends. */
  async createContainer(
    sandbox: Sandbox,
    name: string,
    command: readonly string[],
    options: ContainerOptions = {},
  ): Promise<string> {
    const config = this.containerConfig(name, command, options);
    const id = await this.step(`CreateContainer ${name} (${showCommand(command)})`, () =>
      sandbox.client.createContainer(sandbox.id, config, sandbox.config),
    );
    this.scope.defer(`RemoveContainer ${id}`, () => sandbox.client.removeContainer(id));
    if (id === "") throw new CheckFailure("CreateContainer: container_id", "an id", '""');
    return id;
  }

  /** Creates and starts a container in `sandbox`. */
  async startContainer(
    sandbox: Sandbox,
    name: string,
    command: readonly string[],
    options: ContainerOptions = {},
  ): Promise<string> {
    const id = await this.createContainer(sandbox, name, command, options);
    await this.step(`StartContainer ${name}`, () => sandbox.client.startContainer(id));
    return id;
  }

  /** Polls ContainerStatus until `done` holds; fails with the last status seen. */
  waitForContainer(
    id: string,
    what: string,
    done: (status: ContainerStatus) => boolean,
    client: RuntimeClient = this.client,
  ): Promise<ContainerStatus> {
    return this.waitUntil<ContainerStatus>(what, async () => {
      const status = await client.containerStatus(id);
      return done(status)
        ? { done: status }
        : {
            seen: `state ${stateName(status.state)}, exit_code ${status.exitCode}, reason ${JSON.stringify(status.reason)}`,
          };
    });
  }

  /**
   * Polls `probe` until it is done, as a step of the check. It gives up a little before the
   * check's deadline, so the failure says what was last seen rather than only "timed out".
   */
  waitUntil<T>(what: string, probe: () => Promise<{ done: T } | { seen: unknown }>): Promise<T> {
    return this.step(`wait for ${what}`, () =>
      waitUntil(what, probe, {
        timeoutMs: Math.max(0, this.scope.remainingMs() - WAIT_MARGIN_MS),
        signal: this.scope.signal,
      }),
    );
  }

  waitForState(
    id: string,
    state: ContainerState,
    client: RuntimeClient = this.client,
  ): Promise<ContainerStatus> {
    return this.waitForContainer(
      id,
      `container ${id} in state ${stateName(state)}`,
      (s) => s.state === state,
      client,
    );
  }

  /** Starts a plugin instance for node `nodeName` (checks that require "plugin"). */
  async startPlugin(nodeName: string): Promise<StartedPlugin> {
    const command = this.setup.plugin;
    if (command === undefined) throw new Error("this check needs --plugin");
    const instance = await this.step(`start the plugin for node ${nodeName}`, () =>
      startRuntimePlugin(command, nodeName, this.setup.timeoutMs),
    );
    this.scope.defer(`stop the plugin for node ${nodeName}`, () => instance.dispose());
    const client = new RuntimeClient(instance.endpoint, { deadlineMs: this.setup.timeoutMs });
    this.scope.defer(`close the client of node ${nodeName}`, () => Promise.resolve(client.close()));
    return { instance, client };
  }
}

/** Starts a runtime plugin; it is ready once Version answers on its socket. */
export function startRuntimePlugin(
  command: PluginCommand,
  nodeName: string,
  timeoutMs: number,
): Promise<PluginInstance> {
  return PluginInstance.start({
    command,
    nodeName,
    timeoutMs,
    probe: async (endpoint) => {
      const probe = new RuntimeClient(endpoint, { deadlineMs: 1000 });
      try {
        await probe.version();
      } finally {
        probe.close();
      }
    },
  });
}

export function showCommand(command: readonly string[]): string {
  return command.map((w) => (/^[\w./:=-]+$/.test(w) ? w : JSON.stringify(w))).join(" ");
}
