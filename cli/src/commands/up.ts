// `k8ts up`: a local cluster in one command. Starts the control plane on the embedded
// store as supervised child processes, writes a CLI context pointing at it, prints how to
// use it, and on Ctrl-C stops everything in order. Data lives in --data-dir (./.k8ts), so
// a second `k8ts up` finds the same objects again.
import { randomBytes, createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { configPath, loadConfig, saveConfig, setContext, useContext } from "../config/index.js";
import { CliFailure } from "../errors/cli-error.js";
import { ChildFailedError, Supervisor, type Readiness } from "../up/supervisor.js";

export interface UpOptions {
  readonly dataDir: string;
  readonly listen: string;
  readonly contextName: string;
  /** "embedded" or redis://HOST:PORT[/DB]. */
  readonly store?: string;
  /** nats://HOST:PORT, with a Redis store. */
  readonly bus?: string;
  readonly storePrefix?: string;
  /** Number of nodes (kubelet + runtime plugin + network plugin each); default 1. */
  readonly nodes?: string;
  /** Runtime plugin of the nodes: "mock" (the only one so far). */
  readonly runtime?: string;
}

export const RUNTIMES = ["mock"] as const;

export function registerUp(program: Command): void {
  program
    .command("up")
    .description("start a local cluster on the embedded store (Ctrl-C stops it)")
    .option(
      "--data-dir <dir>",
      "where the cluster keeps its data and logs",
      process.env.K8TS_DATA_DIR ?? ".k8ts",
    )
    .option(
      "--listen <host:port>",
      "address of the API server",
      process.env.K8TS_LISTEN ?? "127.0.0.1:6443",
    )
    .option("--context-name <name>", "name of the CLI context to write and switch to", "local")
    .option(
      "--store <url>",
      "embedded, or redis://HOST:PORT[/DB] to keep the data in Redis",
      process.env.K8TS_STORE,
    )
    .option(
      "--bus <url>",
      "nats://HOST:PORT: how apiservers sharing a Redis store hear of changes",
      process.env.K8TS_BUS,
    )
    .option(
      "--store-prefix <prefix>",
      "key prefix in a shared Redis (one cluster per prefix)",
      process.env.K8TS_STORE_PREFIX,
    )
    .option(
      "--nodes <n>",
      "number of nodes to run (0-50; 0: the control plane only)",
      process.env.K8TS_NODES ?? "1",
    )
    .option(
      "--runtime <name>",
      `runtime plugin of the nodes: ${RUNTIMES.join(", ")} (containers simulated in memory)`,
      process.env.K8TS_RUNTIME ?? "mock",
    )
    .action(async (options: UpOptions) => {
      await up(options);
    });
}

/** The compiled entry point of a component package, e.g. "@k8ts/apiserver/main". */
function componentMain(specifier: string): string {
  return fileURLToPath(import.meta.resolve(specifier));
}

/** Runs the cluster until SIGINT or SIGTERM; throws CliFailure when it cannot start. */
export async function up(
  options: UpOptions,
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const nodeCount = Number(options.nodes ?? "1");
  if (!Number.isInteger(nodeCount) || nodeCount < 0 || nodeCount > 50)
    throw new CliFailure([`error: --nodes: "${options.nodes}" is not a whole number from 0 to 50`]);
  const runtime = options.runtime ?? "mock";
  if (!(RUNTIMES as readonly string[]).includes(runtime))
    throw new CliFailure([
      `error: --runtime: "${runtime}" is not supported; choose one of: ${RUNTIMES.join(", ")}`,
    ]);
  const dataDir = resolve(options.dataDir);
  const logs = join(dataDir, "logs");
  await mkdir(logs, { recursive: true });
  const say = (line = ""): void => {
    out.write(`${line}\n`);
  };
  const supervisor = new Supervisor({
    onCrash: (name, code, signal, delayMs) =>
      say(
        `${name} exited (${signal ?? `code ${String(code)}`}); restarting in ${delayMs / 1000} s (logs: ${join(logs, `${name}.log`)})`,
      ),
    onReady: (name, _readiness, restarts) => {
      if (restarts > 0) say(`${name} is back (restart ${restarts})`);
    },
  });

  // Signals are handled from the start, so Ctrl-C during startup also stops cleanly.
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      say("\nstopping k8ts ...");
      await supervisor.stop();
      say("stopped.");
    })();
    return stopping;
  };
  const stopped = new Promise<void>((resolveStopped) => {
    const onSignal = (): void => {
      void stop().then(resolveStopped);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
  });

  // The token the apiserver presents to kubelets for logs and exec; kept across runs.
  const kubeletTokenFile = join(dataDir, "kubelet-token");
  await ensureToken(kubeletTokenFile);

  let api: Readiness;
  try {
    api = await supervisor.start({
      name: "apiserver",
      command: process.execPath,
      args: [
        // Traces when OTEL_EXPORTER_OTLP_ENDPOINT is set; nothing otherwise.
        "--import",
        import.meta.resolve("@k8ts/sdk/telemetry/register"),
        componentMain("@k8ts/apiserver/main"),
        "--listen",
        options.listen,
        "--data-dir",
        join(dataDir, "apiserver"),
        "--allow-anonymous",
        "--kubelet-client-token-file",
        kubeletTokenFile,
        "--ready-fd",
        "3",
        ...(options.store === undefined ? [] : ["--store", options.store]),
        ...(options.bus === undefined ? [] : ["--bus", options.bus]),
        ...(options.storePrefix === undefined ? [] : ["--store-prefix", options.storePrefix]),
      ],
      logFile: join(logs, "apiserver.log"),
    });
  } catch (e) {
    await supervisor.stop();
    if (e instanceof ChildFailedError && /is locked|in use|DataDirLocked/i.test(e.logTail))
      throw new CliFailure([
        `error: ${dataDir} is in use by another k8ts up (or apiserver); stop it first or pass --data-dir`,
      ]);
    throw failureOf(e, logs);
  }
  const addresses = Array.isArray(api.addresses)
    ? api.addresses.filter((a): a is string => typeof a === "string")
    : [];
  const server = addresses[0] ?? options.listen;

  for (const component of ["scheduler", "controller-manager"] as const) {
    try {
      await supervisor.start({
        name: component,
        command: process.execPath,
        args: [
          "--import",
          import.meta.resolve("@k8ts/sdk/telemetry/register"),
          componentMain(`@k8ts/${component}/main`),
          "--server",
          server,
          "--ready-fd",
          "3",
        ],
        logFile: join(logs, `${component}.log`),
      });
    } catch (e) {
      await supervisor.stop();
      throw failureOf(e, logs);
    }
  }

  const nodes: string[] = [];
  for (let i = 1; i <= nodeCount; i++) {
    const name = `node-${i}`;
    try {
      await startNode(supervisor, {
        name,
        index: i,
        server,
        dataDir,
        logs,
        runtime,
        tokenFile: kubeletTokenFile,
      });
    } catch (e) {
      await supervisor.stop();
      throw failureOf(e, logs);
    }
    nodes.push(name);
  }

  const path = configPath();
  await saveConfig(
    useContext(
      setContext(await loadConfig(path), options.contextName, { server }),
      options.contextName,
    ),
    path,
  );

  const shown = (p: string): string => {
    const r = relative(process.cwd(), p);
    return r.startsWith("..") ? p : `./${r}`;
  };
  say("k8ts is up.");
  say(`  API server  ${server}  (logs: ${shown(join(logs, "apiserver.log"))})`);
  say(`  scheduler   running     (logs: ${shown(join(logs, "scheduler.log"))})`);
  say(`  controllers running     (logs: ${shown(join(logs, "controller-manager.log"))})`);
  if (nodes.length > 0)
    say(
      `  nodes       ${nodes.join(", ")}  (runtime ${runtime}; logs: ${shown(join(logs, "kubelet-node-1.log"))} ...)`,
    );
  else
    say("  nodes       none (--nodes 0): pods are scheduled to Nodes you create but do not start");
  if (options.store !== undefined && options.store !== "embedded")
    say(`  store       ${options.store} (events over ${options.bus ?? "?"})`);
  else say(`  data        ${shown(dataDir)}  (kept: the next k8ts up finds the same objects)`);
  say(`  context     "${options.contextName}" in ${path} (now the current context)`);
  say();
  say("Use it from another shell:");
  say('  export PATH="$PWD/bin:$PATH"      # puts `k8ts` on your PATH');
  say("  k8ts apply -f examples/blog.yaml");
  say("  k8ts get deploy,svc,ing -n blog");
  if (nodes.length > 0)
    say("  k8ts get pods -n blog -o wide        # then: k8ts logs|exec -n blog POD");
  say(`  buf curl --protocol grpc --http2-prior-knowledge --list-services http://${server}`);
  say();
  if (runtime === "mock" && nodes.length > 0)
    say(
      "The mock runtime simulates containers: pods run, restart, log and exec, but no real process starts.",
    );
  say("Press Ctrl-C to stop.");
  await stopped;
}

/** A child that failed to start, as the CLI reports it: its error and its log's last lines. */
function failureOf(e: unknown, logs: string): unknown {
  if (!(e instanceof ChildFailedError)) return e;
  return new CliFailure([
    `error: the ${e.message}`,
    `--- last lines of ${join(logs, `${e.child}.log`)} ---`,
    e.logTail,
  ]);
}

/** Writes a random token to `file` unless it holds one already. */
async function ensureToken(file: string): Promise<void> {
  const existing = await readFile(file, "utf8").catch(() => "");
  if (existing.trim() !== "") return;
  await writeFile(file, `${randomBytes(24).toString("hex")}\n`, { mode: 0o600 });
}

interface NodeSpec {
  readonly name: string;
  readonly index: number;
  readonly server: string;
  readonly dataDir: string;
  readonly logs: string;
  readonly runtime: string;
  readonly tokenFile: string;
}

/**
 * A directory for a node's sockets: under the data dir when the paths fit the 107-byte
 * limit of unix socket paths, else a short directory in the system temp dir named after
 * the data dir.
 */
async function socketDir(dataDir: string, node: string): Promise<string> {
  const preferred = join(dataDir, "nodes", node);
  const dir =
    Buffer.byteLength(join(preferred, "runtime.sock")) <= 107
      ? preferred
      : join(
          tmpdir(),
          `k8ts-${createHash("sha256").update(dataDir).digest("hex").slice(0, 10)}`,
          node,
        );
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Starts a node: its runtime plugin, its network plugin, then its kubelet. */
async function startNode(supervisor: Supervisor, n: NodeSpec): Promise<void> {
  const state = join(n.dataDir, "nodes", n.name);
  const sockets = await socketDir(n.dataDir, n.name);
  const runtimeSocket = `unix://${join(sockets, "runtime.sock")}`;
  const networkSocket = `unix://${join(sockets, "network.sock")}`;
  const plugin = (name: string, main: string, socket: string, stateDir: string) =>
    supervisor.start({
      name,
      command: process.execPath,
      args: [
        componentMain(main),
        "--node-name",
        n.name,
        "--socket",
        socket,
        "--state-dir",
        stateDir,
        "--ready-fd",
        "3",
      ],
      logFile: join(n.logs, `${name}.log`),
    });
  await plugin(
    `runtime-${n.name}`,
    `@k8ts/runtime-${n.runtime}/main`,
    runtimeSocket,
    join(state, "runtime"),
  );
  await plugin(`network-${n.name}`, "@k8ts/cni-mock/main", networkSocket, join(state, "network"));
  await supervisor.start({
    name: `kubelet-${n.name}`,
    command: process.execPath,
    args: [
      "--import",
      import.meta.resolve("@k8ts/sdk/telemetry/register"),
      componentMain("@k8ts/kubelet/main"),
      "--server",
      n.server,
      "--node-name",
      n.name,
      "--runtime-endpoint",
      runtimeSocket,
      "--network-endpoint",
      networkSocket,
      "--pod-cidr",
      `10.244.${n.index}.0/24`,
      "--listen",
      "127.0.0.1:0",
      "--client-token-file",
      n.tokenFile,
      "--ready-fd",
      "3",
    ],
    logFile: join(n.logs, `kubelet-${n.name}.log`),
  });
}
