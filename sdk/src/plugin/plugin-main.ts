// The main of every plugin executable (runtimes/*, cni/*), so that all of them start,
// report and stop alike, as `k8ts up` and the kubelet's operators expect:
//   - flags: --node-name, --socket, --state-dir (all required), --status-listen,
//     --ready-fd, --log-level, and the plugin's own; each with an env equivalent; --help;
//   - JSON logs with the component and node; tracing from the OTEL_* variables;
//   - the plugin's services on its unix socket (a stale socket is replaced, a live one
//     refused), with gRPC health (each service SERVING) and reflection describing only the
//     proto files the plugin serves, so a plugin process does not hold the whole API;
//   - readiness on --ready-fd as one JSON line {ready, identity, socket, statusAddress};
//   - SIGTERM, SIGINT or EOF on the ready pipe stop it gracefully: health turns NOT_SERVING,
//     new calls are refused, long calls are ended, calls in flight get a grace period, state
//     is saved, the socket removed. Exit code 0, 1 on a failure, 2 on a bad flag.
import { rm } from "node:fs/promises";
import { Server, type ServiceDefinition, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { descriptorSetBase64 } from "../gen/descriptor-set.js";
import { addHealth, type ReportedStatus } from "../grpc/health.js";
import { addReflection } from "../grpc/reflection.js";
import { descriptorSubset } from "../grpc/wire-descriptor-set.js";
import { createLogger, type ComponentLogger } from "../logging/create-logger.js";
import { supervisionFlags } from "../process/component-flags.js";
import {
  FlagError,
  HelpRequested,
  parseFlags,
  type FlagSpec,
  type Flags,
} from "../process/flags.js";
import { openParentPipe, type ParentPipe } from "../process/parent-pipe.js";
import { StatusServer, type ComponentStatus } from "../process/status-server.js";
import { startTelemetry } from "../telemetry/start-telemetry.js";
import { unixSocketPath } from "./plugin-endpoint.js";
import { pluginFlags } from "./plugin-flags.js";
import { bindUnixSocket } from "./plugin-socket.js";

/** How long calls in flight get to finish on stop before they are cut. */
const SHUTDOWN_GRACE_MS = 5_000;

type CommonFlags = ReturnType<typeof pluginFlags> & ReturnType<typeof supervisionFlags>;

/** A plugin's own flags: any but the common ones. */
export type OwnFlags = Record<string, FlagSpec> & { readonly [K in keyof CommonFlags]?: never };

/** The parsed flags of a plugin: the common ones and its own. */
export type PluginFlags<F extends OwnFlags> = Flags<CommonFlags> & Flags<F>;

/** What a plugin's start() is given. */
export interface PluginContext<F extends OwnFlags> {
  /** Every flag, the common ones and the plugin's own. */
  readonly flags: PluginFlags<F>;
  readonly nodeName: string;
  readonly stateDir: string;
  /** The socket path (--socket without its unix:// prefix). */
  readonly socketPath: string;
  /** The process's logger, with the node on every line. */
  readonly logger: ComponentLogger;
}

/** A gRPC service the plugin serves. */
export interface PluginService {
  readonly definition: ServiceDefinition;
  readonly implementation: UntypedServiceImplementation;
}

/** A started plugin, as its start() returns it. */
export interface StartedPlugin {
  /** Its services: registered on the socket and reported SERVING by health. */
  readonly services: readonly PluginService[];
  /** Fields added to /statusz. */
  status?(): Record<string, unknown>;
  /**
   * Called once the server refuses new calls: ends the long calls in flight (follows,
   * waits) so that the server drains. Also called when serving fails to start.
   */
  interrupt?(): Promise<void>;
  /** Called after the calls in flight finished or were cut: saves what is left. */
  close?(): Promise<void>;
}

export interface PluginDefinition<F extends OwnFlags> {
  /** The executable's name, e.g. "k8ts-runtime-mock": --help, errors, service.name. */
  readonly executable: string;
  /** The `component` of its log lines, e.g. "runtime-mock". */
  readonly component: string;
  /** One sentence for --help. */
  readonly summary: string;
  /** Prefix of its flags' environment variables, e.g. "K8TS_RUNTIME_MOCK". */
  readonly envPrefix: string;
  /** Its own flags. */
  readonly flags: F;
  /**
   * The proto files of its services, e.g. ["k8ts/runtime/v1/runtime.proto"]: reflection
   * describes these and what they import.
   */
  readonly protoFiles: readonly string[];
  /** Opens the plugin's state and builds its services; nothing is served yet. */
  start(context: PluginContext<F>): Promise<StartedPlugin>;
}

/**
 * Runs the plugin as the process's main until it is stopped; sets process.exitCode. A
 * plugin's main.ts is a call of this.
 */
export function runPlugin<F extends OwnFlags>(plugin: PluginDefinition<F>): void {
  main(plugin).catch((err: unknown) => {
    process.stderr.write(
      `${plugin.executable}: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exitCode = 1;
  });
}

async function main<F extends OwnFlags>(plugin: PluginDefinition<F>): Promise<void> {
  let flags: PluginFlags<F>;
  let socketPath: string;
  try {
    flags = parseFlags<CommonFlags & F>(plugin.executable, plugin.summary, {
      ...pluginFlags(plugin.envPrefix),
      ...plugin.flags,
      ...supervisionFlags(`${plugin.envPrefix}_STATUS_LISTEN`),
    });
    for (const name of ["node-name", "socket", "state-dir"] as const)
      if (flags[name] === "") throw new FlagError(`--${name} is required`);
    socketPath = unixSocketPath(flags.socket, "socket");
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(`${e.text}\n`);
      return;
    }
    if (e instanceof FlagError) {
      process.stderr.write(`${plugin.executable}: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  const nodeName = flags["node-name"];
  const log = createLogger({ component: plugin.component, level: flags["log-level"] }).child({
    node: nodeName,
  });
  const telemetry = await startTelemetry({ serviceName: plugin.executable });
  const started = await plugin.start({
    flags,
    nodeName,
    stateDir: flags["state-dir"],
    socketPath,
    logger: log,
  });

  const server = new Server({
    // The kubelet's client pings every 30 s, also between calls.
    "grpc.keepalive_permit_without_calls": 1,
    "grpc.http2.min_ping_interval_without_data_ms": 10_000,
  });
  const serving: Record<string, ReportedStatus> = { "": "SERVING" };
  for (const { definition, implementation } of started.services) {
    server.addService(definition, implementation);
    serving[serviceName(definition)] = "SERVING";
  }
  const health = addHealth(server, serving);
  let status: StatusServer | undefined;
  let statusAddress: string | undefined;
  try {
    addReflection(
      server,
      descriptorSubset(Buffer.from(descriptorSetBase64, "base64"), plugin.protoFiles),
    );
    if (flags["status-listen"] !== "") {
      status = new StatusServer<ComponentStatus>(() => ({
        identity: nodeName,
        synced: true,
        leading: true,
        nodeName,
        socket: socketPath,
        ...started.status?.(),
      }));
      statusAddress = await status.listen(flags["status-listen"]);
    }
    await bindUnixSocket(server, socketPath);
  } catch (e) {
    // Nothing may keep the process alive after a failed start.
    await status?.close();
    await started.interrupt?.();
    await started.close?.();
    throw e;
  }

  let pipe: ParentPipe | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (why: string): void => {
    stopping ??= (async () => {
      log.info({ why }, "shutting down");
      health.shutdown();
      await stopServing(server, started);
      await rm(socketPath, { force: true });
      await status?.close();
      await telemetry.shutdown();
      log.info("stopped");
      pipe?.close();
    })().catch((err: unknown) => {
      log.error({ err }, "stopping failed");
      process.exitCode = 1;
      pipe?.close();
    });
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  if (flags["ready-fd"] >= 0) {
    pipe = openParentPipe(flags["ready-fd"]);
    pipe.onParentGone(() => shutdown("supervisor went away"));
  }
  pipe?.ready({
    socket: socketPath,
    identity: nodeName,
    ...(statusAddress === undefined ? {} : { statusAddress }),
  });
  log.info({ socket: socketPath, statusAddress }, "serving");
}

/** Refuses new calls, ends the long ones, waits for the rest (up to the grace period). */
async function stopServing(server: Server, plugin: StartedPlugin): Promise<void> {
  const drained = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  await plugin.interrupt?.();
  let timer: NodeJS.Timeout | undefined;
  const cut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, SHUTDOWN_GRACE_MS);
  });
  await Promise.race([drained, cut]);
  clearTimeout(timer);
  await plugin.close?.();
}

/** "k8ts.runtime.v1.RuntimeService", from the path of any of its methods. */
function serviceName(definition: ServiceDefinition): string {
  for (const method of Object.values(definition)) {
    const name = /^\/([^/]+)\//.exec(method.path)?.[1];
    if (name !== undefined) return name;
  }
  throw new Error("runPlugin: a service without methods");
}
