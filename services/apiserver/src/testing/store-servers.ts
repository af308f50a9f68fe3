// Real redis-server and nats-server processes for tests of the Redis store backend, started
// with infra/redis.conf and infra/nats.conf on free loopback ports, each Redis with a data
// dir of its own; restartable on the same port and dir (the restart and kill -9 tests).
//
// `make test` starts one shared pair (infra/services.sh) and exports K8TS_TEST_REDIS_URL
// and K8TS_TEST_NATS_URL; tests that only need *a* server use those (with a prefix of
// their own) and otherwise start their own. Tests that stop or kill a server always start
// their own.

import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, open, rm } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

const INFRA = fileURLToPath(new URL("../../../../infra/", import.meta.url));

/** A program on PATH, or in /usr/sbin (Debian's nats-server) or /usr/bin. */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/bin"];
  for (const dir of dirs) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The server binaries these tests need that are not installed. */
export function missingStoreBinaries(): string[] {
  return ["redis-server", "nats-server"].filter((name) => findBinary(name) === undefined);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One server process; restart() brings it back on the same port (and data dir). */
abstract class ServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  protected constructor(
    readonly port: number,
    readonly dir: string,
    private readonly ownsDir: boolean,
  ) {}

  abstract get url(): string;

  /** The server's pid while it runs (benchmarks read its CPU time). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  protected abstract command(): { binary: string; args: string[]; log: string };
  /** Resolves true once the server answers on its port. */
  protected abstract answers(): Promise<boolean>;

  /** Starts the server and waits until it answers (20 s at most). */
  async start(): Promise<void> {
    const { binary, args, log } = this.command();
    const logFile = await open(log, "a");
    const child = spawn(binary, args, { stdio: ["ignore", logFile.fd, logFile.fd] });
    await logFile.close();
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    const deadline = Date.now() + 20_000;
    while (!(await this.answers())) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${binary} exited at start (see ${log})`);
      }
      if (Date.now() > deadline) throw new Error(`${binary} did not answer within 20 s (${log})`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** SIGKILL: no chance to flush anything. */
  async kill(): Promise<void> {
    await this.signal("SIGKILL");
  }

  /** SIGTERM and wait for the exit. */
  async stop(): Promise<void> {
    await this.signal("SIGTERM");
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the server and removes its dir if this object created it. */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownsDir) await rm(this.dir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await this.exited;
  }
}

export interface ServerOptions {
  /** Reuse a dir (and its data); a fresh temp dir otherwise. */
  readonly dir?: string;
  readonly port?: number;
}

export class RedisServerProcess extends ServerProcess {
  static async start(
    options: ServerOptions & { readonly appendfsync?: "always" | "everysec" } = {},
  ): Promise<RedisServerProcess> {
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "k8ts-redis-")));
    const server = new RedisServerProcess(
      options.port ?? (await freePort()),
      dir,
      options.dir === undefined,
      options.appendfsync ?? "always",
    );
    await server.start();
    return server;
  }

  private constructor(
    port: number,
    dir: string,
    ownsDir: boolean,
    private readonly appendfsync: string,
  ) {
    super(port, dir, ownsDir);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  protected command(): { binary: string; args: string[]; log: string } {
    const binary = findBinary("redis-server");
    if (binary === undefined)
      throw new Error("redis-server is not installed (infra/install-deps.sh)");
    return {
      binary,
      args: [
        join(INFRA, "redis.conf"),
        "--port",
        String(this.port),
        "--dir",
        this.dir,
        "--appendfsync",
        this.appendfsync,
        "--daemonize",
        "no",
      ],
      log: join(this.dir, "redis.log"),
    };
  }

  protected answers(): Promise<boolean> {
    // Answers PONG only once the AOF is loaded (LOADING before).
    return probe(this.port, "PING\r\n", (reply) => reply.startsWith("+PONG"));
  }
}

export class NatsServerProcess extends ServerProcess {
  static async start(options: ServerOptions = {}): Promise<NatsServerProcess> {
    const dir = options.dir ?? (await mkdtemp(join(tmpdir(), "k8ts-nats-")));
    const server = new NatsServerProcess(
      options.port ?? (await freePort()),
      dir,
      options.dir === undefined,
    );
    await server.start();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  protected command(): { binary: string; args: string[]; log: string } {
    const binary = findBinary("nats-server");
    if (binary === undefined)
      throw new Error("nats-server is not installed (infra/install-deps.sh)");
    return {
      binary,
      args: ["-c", join(INFRA, "nats.conf"), "-p", String(this.port)],
      log: join(this.dir, "nats.log"),
    };
  }

  protected answers(): Promise<boolean> {
    // The server greets every connection with INFO.
    return probe(this.port, undefined, (reply) => reply.startsWith("INFO"));
  }
}

/** Connects, optionally sends `request`, and checks the first reply. */
function probe(
  port: number,
  request: string | undefined,
  ok: (reply: string) => boolean,
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    const done = (result: boolean): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => {
      if (request !== undefined) socket.write(request);
    });
    socket.once("data", (data) => done(ok(data.toString("latin1"))));
  });
}

/**
 * The servers a test file shares: the ones `make test` started (K8TS_TEST_REDIS_URL,
 * K8TS_TEST_NATS_URL), or a pair of its own, started on first use and stopped by stop().
 */
export class SharedStoreServers {
  private own: Promise<{ redis: RedisServerProcess; nats: NatsServerProcess }> | undefined;

  async urls(): Promise<{ redisUrl: string; natsUrl: string }> {
    const redisUrl = process.env.K8TS_TEST_REDIS_URL;
    const natsUrl = process.env.K8TS_TEST_NATS_URL;
    if (redisUrl !== undefined && redisUrl !== "" && natsUrl !== undefined && natsUrl !== "") {
      return { redisUrl, natsUrl };
    }
    this.own ??= (async () => {
      const [redis, nats] = await Promise.all([
        RedisServerProcess.start(),
        NatsServerProcess.start(),
      ]);
      return { redis, nats };
    })();
    const { redis, nats } = await this.own;
    return { redisUrl: redis.url, natsUrl: nats.url };
  }

  async stop(): Promise<void> {
    const own = this.own;
    this.own = undefined;
    if (own === undefined) return;
    const { redis, nats } = await own;
    await Promise.all([redis.dispose(), nats.dispose()]);
  }
}
