#!/usr/bin/env node
// k8ts-apiserver: the only component that touches the store. Flags have environment
// equivalents (see --help). Exits cleanly on SIGTERM/SIGINT, and when the supervisor's
// pipe (--ready-fd) closes.
import { mkdir } from "node:fs/promises";
import {
  FlagError,
  HelpRequested,
  createLogger,
  openParentPipe,
  parseFlags,
  startTelemetry,
  type ParentPipe,
} from "@k8ts/sdk";
import { TokenAuthenticator } from "./auth/token-authenticator.js";
import { ApiServer, DEFAULT_SERVING } from "./server/api-server.js";
import { readKubeletClientToken } from "./server/kubelet-connections.js";
import { openEmbeddedStore } from "./storage/embedded/index.js";
import { StoreUnavailableError } from "./storage/errors.js";
import { openRedisStore, redactUrl } from "./storage/redis/index.js";
import type { CommonStoreOptions, Store } from "./storage/store.js";

const FLAGS = {
  listen: {
    kind: "list",
    default: ["127.0.0.1:6443"],
    env: "K8TS_APISERVER_LISTEN",
    description:
      "host:port to serve the API on; repeat or comma-separate for several; port 0 picks one",
  },
  "data-dir": {
    kind: "string",
    default: ".k8ts/apiserver",
    env: "K8TS_APISERVER_DATA_DIR",
    description: "directory of the embedded store (locked: one apiserver per directory)",
  },
  store: {
    kind: "string",
    default: "embedded",
    env: "K8TS_STORE",
    description:
      "store backend: embedded, or redis://HOST:PORT[/DB] to share one Redis among several apiservers (needs --bus)",
  },
  bus: {
    kind: "string",
    default: "",
    env: "K8TS_BUS",
    description: "nats://HOST:PORT: event fan-out between apiservers (with --store redis://...)",
  },
  "store-prefix": {
    kind: "string",
    default: "k8ts",
    env: "K8TS_STORE_PREFIX",
    description:
      "names this cluster's Redis keys and NATS subject, so several clusters can share them (letters, digits, _ and -)",
  },
  "service-cidr": {
    kind: "string",
    default: "10.96.0.0/16",
    env: "K8TS_SERVICE_CIDR",
    description: "CIDR that Service ClusterIPs are allocated from",
  },
  "service-node-port-range": {
    kind: "string",
    default: "30000-32767",
    env: "K8TS_NODE_PORT_RANGE",
    description: "ports that NodePorts are allocated from",
  },
  "token-auth-file": {
    kind: "string",
    default: "",
    env: "K8TS_TOKEN_AUTH_FILE",
    description: 'static tokens, one per line: token,user,uid[,"group1,group2"]',
  },
  "allow-anonymous": {
    kind: "boolean",
    default: false,
    env: "K8TS_ALLOW_ANONYMOUS",
    description: "serve requests without a bearer token as system:anonymous",
  },
  "kubelet-client-token-file": {
    kind: "string",
    default: "",
    env: "K8TS_KUBELET_CLIENT_TOKEN_FILE",
    description:
      "file holding the bearer token sent to kubelets for logs and exec (one of their --client-token-file tokens); unset: none",
  },
  "event-ttl": {
    kind: "duration",
    default: "1h",
    env: "K8TS_EVENT_TTL",
    description: "how long Events are kept after they were last seen",
  },
  "history-window": {
    kind: "duration",
    default: "5m",
    env: "K8TS_HISTORY_WINDOW",
    description: "how far back watches can resume from a resourceVersion",
  },
  "max-inflight": {
    kind: "int",
    default: DEFAULT_SERVING.maxInflight,
    env: "K8TS_MAX_INFLIGHT",
    description: "concurrent requests before answering RESOURCE_EXHAUSTED",
  },
  "watch-queue-limit": {
    kind: "int",
    default: DEFAULT_SERVING.watchQueueLimit,
    env: "K8TS_WATCH_QUEUE_LIMIT",
    description: "live events queued for a watcher that is not reading before it may be closed",
  },
  "watch-slow-grace": {
    kind: "duration",
    default: "5s",
    env: "K8TS_WATCH_SLOW_GRACE",
    description:
      "how long a watcher over its queue limit may go without reading before its stream is closed",
  },
  "bookmark-interval": {
    kind: "duration",
    default: "1m",
    env: "K8TS_BOOKMARK_INTERVAL",
    description: "interval of bookmarks to watchers that allow them",
  },
  "watch-timeout-min": {
    kind: "duration",
    default: "5m",
    env: "K8TS_WATCH_TIMEOUT_MIN",
    description: "shortest time a Watch stays open (clients re-watch)",
  },
  "watch-timeout-max": {
    kind: "duration",
    default: "10m",
    env: "K8TS_WATCH_TIMEOUT_MAX",
    description: "longest time a Watch stays open",
  },
  "ready-fd": {
    kind: "int",
    default: -1,
    env: "K8TS_READY_FD",
    description:
      "fd of the supervisor's pipe: readiness is reported on it, and its EOF stops the server",
  },
  "log-level": {
    kind: "string",
    default: "info",
    env: "K8TS_LOG_LEVEL",
    description: "trace, debug, info, warn, error",
  },
} as const;

async function main(): Promise<void> {
  let flags;
  try {
    flags = parseFlags(
      "k8ts-apiserver",
      "Serves the k8ts API over gRPC from a revisioned store.",
      FLAGS,
    );
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(`${e.text}\n`);
      return;
    }
    if (e instanceof FlagError) {
      process.stderr.write(`k8ts-apiserver: ${e.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  const log = createLogger({ component: "apiserver", level: flags["log-level"] });
  // Read before the store opens, so a bad file stops nothing half-started.
  const kubeletClientToken =
    flags["kubelet-client-token-file"] === ""
      ? undefined
      : await readKubeletClientToken(flags["kubelet-client-token-file"]);
  const telemetry = await startTelemetry({ serviceName: "k8ts-apiserver" });
  const storeOptions: CommonStoreOptions = {
    history: { windowMs: flags["history-window"] },
    onFailure: (err) => {
      log.fatal({ err }, "store failed; exiting so a supervisor restarts the apiserver");
      void shutdown(1);
    },
  };
  let store: Store;
  if (flags.store === "embedded") {
    await mkdir(flags["data-dir"], { recursive: true });
    store = await openEmbeddedStore({ dataDir: flags["data-dir"], ...storeOptions });
  } else if (/^rediss?:\/\//.test(flags.store)) {
    if (!/^nats:\/\//.test(flags.bus)) {
      log.error(
        { store: flags.store, bus: flags.bus },
        "--store redis://... needs --bus nats://HOST:PORT",
      );
      process.exitCode = 2;
      return;
    }
    try {
      store = await openRedisStore({
        redisUrl: flags.store,
        natsUrl: flags.bus,
        prefix: flags["store-prefix"],
        logger: log.child({ subsystem: "store" }),
        ...storeOptions,
      });
    } catch (err) {
      if (!(err instanceof StoreUnavailableError)) throw err;
      log.error(
        { err, service: err.service, address: err.address },
        `cannot reach ${err.service === "redis" ? "Redis (--store)" : "NATS (--bus)"} at ${err.address}`,
      );
      process.stderr.write(`k8ts-apiserver: ${err.message}\n`);
      process.exitCode = 1;
      await telemetry.shutdown();
      return;
    }
    log.info(
      { store: redactUrl(flags.store), bus: redactUrl(flags.bus), prefix: flags["store-prefix"] },
      "using the Redis store",
    );
  } else {
    log.error(
      { store: flags.store },
      "unsupported --store (embedded, or redis://HOST:PORT[/DB] with --bus nats://HOST:PORT)",
    );
    process.exitCode = 2;
    return;
  }
  const auth = await TokenAuthenticator.fromFile(
    flags["token-auth-file"],
    flags["allow-anonymous"],
  );
  const server = new ApiServer(store, auth, log, {
    kubeletClientToken,
    listen: flags.listen,
    serviceCidr: flags["service-cidr"],
    nodePortRange: flags["service-node-port-range"],
    eventTtlMs: flags["event-ttl"],
    historyWindowMs: flags["history-window"],
    maxInflight: flags["max-inflight"],
    watchQueueLimit: flags["watch-queue-limit"],
    watchSlowGraceMs: flags["watch-slow-grace"],
    bookmarkIntervalMs: flags["bookmark-interval"],
    watchTimeoutMinMs: flags["watch-timeout-min"],
    watchTimeoutMaxMs: flags["watch-timeout-max"],
  });

  let pipe: ParentPipe | undefined;
  let stopping: Promise<void> | undefined;
  const shutdown = (code: number): Promise<void> => {
    stopping ??= (async () => {
      log.info("shutting down");
      await server
        .stop()
        .catch((err: unknown) => log.error({ err }, "error while stopping the server"));
      await store
        .close()
        .catch((err: unknown) => log.error({ err }, "error while closing the store"));
      await telemetry.shutdown();
      log.info("stopped");
      pipe?.close();
      process.exitCode = code;
    })();
    return stopping;
  };
  process.on("SIGTERM", () => void shutdown(0));
  process.on("SIGINT", () => void shutdown(0));

  await server.start();
  if (flags["ready-fd"] >= 0) {
    pipe = openParentPipe(flags["ready-fd"]);
    pipe.onParentGone(() => {
      log.info("supervisor went away");
      void shutdown(0);
    });
    pipe.ready({ addresses: server.addresses });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`k8ts-apiserver: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
