// One command's connection: the resolved server, token and namespace, and the API client
// (created on first use, closed when the command ends). API failures that the command
// did not word itself are reported against the server here.
import { ApiClient, ApiStatusError } from "@k8ts/sdk";
import { configPath, loadConfig, resolveConnection, type Connection } from "./config/index.js";
import { apiErrorLines, type ErrorContext } from "./errors/api-error-report.js";
import { CliFailure } from "./errors/cli-error.js";
import type { CliIo } from "./io.js";

/** The global flags every command accepts. */
export interface GlobalFlags {
  readonly server?: string;
  readonly token?: string;
  readonly context?: string;
  readonly namespace?: string;
}

/** Attempts of a call answered UNAVAILABLE: a CLI should say "cannot connect" quickly. */
const CLI_ATTEMPTS = 3;

export class Session {
  private client: ApiClient | undefined;

  private constructor(
    readonly connection: Connection,
    readonly io: CliIo,
  ) {}

  static async open(flags: GlobalFlags, io: CliIo): Promise<Session> {
    const config = await loadConfig(configPath(io.env));
    return new Session(resolveConnection(flags, io.env, config), io);
  }

  get api(): ApiClient {
    this.client ??= new ApiClient({
      server: this.connection.server,
      ...(this.connection.token === undefined ? {} : { token: this.connection.token }),
      attempts: CLI_ATTEMPTS,
    });
    return this.client;
  }

  /** The namespace of a command: -A none, else -n, the context's, "default". */
  get namespace(): string {
    return this.connection.namespace;
  }

  /** The lines to print for a failed call (see apiErrorLines). */
  failure(e: ApiStatusError, context: Omit<ErrorContext, "server"> = {}): CliFailure {
    return new CliFailure(apiErrorLines(e, { server: this.connection.server, ...context }));
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }

  /** Runs `fn` with a session, closing it after; unworded API failures become CliFailures. */
  static async with<T>(
    flags: GlobalFlags,
    io: CliIo,
    fn: (session: Session) => Promise<T>,
  ): Promise<T> {
    const session = await Session.open(flags, io);
    try {
      return await fn(session);
    } catch (e) {
      if (e instanceof ApiStatusError) throw session.failure(e);
      throw e;
    } finally {
      session.close();
    }
  }
}
