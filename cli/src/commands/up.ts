// `k8ts up`: a local cluster in one command. Starts the control plane on the embedded
// store as supervised child processes, writes a CLI context pointing at it, prints how to
// use it, and on Ctrl-C stops everything in order. Data lives in --data-dir (./.k8ts), so
// a second `k8ts up` finds the same objects again.
import { mkdir } from "node:fs/promises";
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
}

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
    if (e instanceof ChildFailedError) {
      const locked = /is locked|in use|DataDirLocked/i.test(e.logTail);
      throw new CliFailure(
        locked
          ? [
              `error: ${dataDir} is in use by another k8ts up (or apiserver); stop it first or pass --data-dir`,
            ]
          : [
              `error: the ${e.message}`,
              `--- last lines of ${join(logs, `${e.child}.log`)} ---`,
              e.logTail,
            ],
      );
    }
    throw e;
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
      if (e instanceof ChildFailedError)
        throw new CliFailure([
          `error: the ${e.message}`,
          `--- last lines of ${join(logs, `${e.child}.log`)} ---`,
          e.logTail,
        ]);
      throw e;
    }
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
  if (options.store !== undefined && options.store !== "embedded")
    say(`  store       ${options.store} (events over ${options.bus ?? "?"})`);
  else say(`  data        ${shown(dataDir)}  (kept: the next k8ts up finds the same objects)`);
  say(`  context     "${options.contextName}" in ${path} (now the current context)`);
  say();
  say("Use it from another shell:");
  say('  export PATH="$PWD/bin:$PATH"      # puts `k8ts` on your PATH');
  say("  k8ts apply -f examples/blog.yaml");
  say("  k8ts get deploy,svc,ing -n blog");
  say(`  buf curl --protocol grpc --http2-prior-knowledge --list-services http://${server}`);
  say();
  say("The control plane runs (apiserver, scheduler, controller-manager); no kubelets yet, so");
  say("pods are scheduled to Nodes you create but do not start.");
  say("Press Ctrl-C to stop.");
  await stopped;
}
