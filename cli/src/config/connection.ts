// Where a command connects and which namespace it defaults to. Each setting comes from
// the first of: the command-line flag, the environment, the selected context of the
// config file, the built-in default.
import { ContextNotFoundError, findContext, type CliConfig } from "./config-file.js";

/** Where `k8ts up` serves the API. */
export const DEFAULT_SERVER = "127.0.0.1:6443";
export const DEFAULT_NAMESPACE = "default";

export interface ConnectionFlags {
  readonly server?: string;
  readonly token?: string;
  readonly context?: string;
  readonly namespace?: string;
}

export interface Connection {
  readonly server: string;
  readonly token?: string;
  /** The namespace of commands without `-n`. */
  readonly namespace: string;
  /** Whether `namespace` came from `-n` (apply refuses a manifest in another one). */
  readonly namespaceExplicit: boolean;
  /** The context used, if any. */
  readonly context?: string;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Server: --server > $K8TS_SERVER > context > 127.0.0.1:6443. Token: --token >
 * $K8TS_TOKEN > context. Namespace: -n > context > "default". The context is --context,
 * else the config's current context; a named context that does not exist is an error
 * (ContextNotFoundError), a missing current context is not.
 */
export function resolveConnection(
  flags: ConnectionFlags,
  env: Readonly<Record<string, string | undefined>>,
  config: CliConfig,
): Connection {
  const wanted = nonEmpty(flags.context);
  const contextName = wanted ?? config.currentContext;
  const context = contextName === undefined ? undefined : findContext(config, contextName);
  if (wanted !== undefined && context === undefined) throw new ContextNotFoundError(wanted);
  const server =
    nonEmpty(flags.server) ?? nonEmpty(env.K8TS_SERVER) ?? context?.server ?? DEFAULT_SERVER;
  const token = nonEmpty(flags.token) ?? nonEmpty(env.K8TS_TOKEN) ?? nonEmpty(context?.token);
  const flagNamespace = nonEmpty(flags.namespace);
  const namespace = flagNamespace ?? nonEmpty(context?.namespace) ?? DEFAULT_NAMESPACE;
  return {
    server,
    ...(token === undefined ? {} : { token }),
    namespace,
    namespaceExplicit: flagNamespace !== undefined,
    ...(context === undefined ? {} : { context: context.name }),
  };
}
