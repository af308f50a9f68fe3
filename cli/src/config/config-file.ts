// The CLI's config file: named contexts (a server, an optional token and default
// namespace each) and the current one, in YAML at ~/.k8ts/config (or $K8TS_CONFIG).
// `k8ts config ...` and `k8ts up` edit it; every other command reads it.
import { mkdir, readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { writeFileAtomic } from "@k8ts/sdk";
import { parse, stringify } from "yaml";

/** One named context: where the apiserver is and how to talk to it. */
export interface ContextEntry {
  readonly name: string;
  /** host:port of the apiserver, e.g. "127.0.0.1:6443". */
  readonly server: string;
  /** Bearer token sent on every call. */
  readonly token?: string;
  /** Namespace used when a command has no `-n`. */
  readonly namespace?: string;
}

export interface CliConfig {
  /** Name of the context commands use when given no `--context`. */
  readonly currentContext?: string;
  readonly contexts: readonly ContextEntry[];
}

/** What `setContext` changes; `token` and `namespace` left undefined keep their value. */
export interface ContextSettings {
  readonly server: string;
  readonly token?: string;
  readonly namespace?: string;
}

/** The config file cannot be read as a config (bad YAML, wrong types). */
export class ConfigFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`config file ${path}: ${problem}`);
    this.name = "ConfigFileError";
  }
}

/** No context of that name in the config. */
export class ContextNotFoundError extends Error {
  constructor(readonly context: string) {
    super(`context "${context}" does not exist`);
    this.name = "ContextNotFoundError";
  }
}

export const EMPTY_CONFIG: CliConfig = { contexts: [] };

/** $K8TS_CONFIG if set, else ~/.k8ts/config. */
export function configPath(
  env: Readonly<Record<string, string | undefined>> = process.env,
): string {
  const fromEnv = env.K8TS_CONFIG;
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  return join(homedir(), ".k8ts", "config");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(
  value: unknown,
  field: string,
  path: string,
  required = false,
): string | undefined {
  if (value === undefined || value === null) {
    if (required) throw new ConfigFileError(path, `${field}: Required value`);
    return undefined;
  }
  if (typeof value !== "string") throw new ConfigFileError(path, `${field}: expected a string`);
  if (required && value === "") throw new ConfigFileError(path, `${field}: Required value`);
  return value;
}

/** Parses the text of a config file into a typed config; throws ConfigFileError. */
export function parseConfig(text: string, path: string): CliConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (e) {
    throw new ConfigFileError(path, e instanceof Error ? e.message : String(e));
  }
  if (raw === null || raw === undefined) return EMPTY_CONFIG;
  if (!isRecord(raw)) throw new ConfigFileError(path, "expected a mapping");
  const currentContext = optionalString(raw["current-context"], "current-context", path);
  const list = raw.contexts ?? [];
  if (!Array.isArray(list)) throw new ConfigFileError(path, "contexts: expected a list");
  const contexts: ContextEntry[] = [];
  const seen = new Set<string>();
  list.forEach((item: unknown, i) => {
    const at = `contexts[${i}]`;
    if (!isRecord(item)) throw new ConfigFileError(path, `${at}: expected a mapping`);
    const name = optionalString(item.name, `${at}.name`, path, true) ?? "";
    if (seen.has(name))
      throw new ConfigFileError(path, `${at}.name: Duplicate value: ${JSON.stringify(name)}`);
    seen.add(name);
    const server = optionalString(item.server, `${at}.server`, path, true) ?? "";
    const token = optionalString(item.token, `${at}.token`, path);
    const namespace = optionalString(item.namespace, `${at}.namespace`, path);
    contexts.push({
      name,
      server,
      ...(token === undefined ? {} : { token }),
      ...(namespace === undefined ? {} : { namespace }),
    });
  });
  return {
    ...(currentContext === undefined || currentContext === "" ? {} : { currentContext }),
    contexts,
  };
}

/** The YAML text of a config, keys as kubectl spells them (`current-context`). */
export function formatConfig(config: CliConfig): string {
  const doc: Record<string, unknown> = {};
  if (config.currentContext !== undefined) doc["current-context"] = config.currentContext;
  doc.contexts = config.contexts.map((c) => ({
    name: c.name,
    server: c.server,
    ...(c.token === undefined ? {} : { token: c.token }),
    ...(c.namespace === undefined ? {} : { namespace: c.namespace }),
  }));
  return stringify(doc);
}

/** Reads the config file; a missing file is an empty config. Throws ConfigFileError. */
export async function loadConfig(path: string = configPath()): Promise<CliConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if (isErrno(e) && e.code === "ENOENT") return EMPTY_CONFIG;
    throw new ConfigFileError(path, e instanceof Error ? e.message : String(e));
  }
  return parseConfig(text, path);
}

function isErrno(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && "code" in e;
}

/**
 * Writes the config atomically: a temp file in the same directory (mode 0600: it may hold
 * tokens), flushed to disk, then renamed over the old file, so a reader never sees half
 * a file and a crash leaves the old one intact. Creates the directory (mode 0700).
 */
export async function saveConfig(config: CliConfig, path: string = configPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, formatConfig(config), { mode: 0o600, durable: true });
}

/** The context called `name`, if any. */
export function findContext(config: CliConfig, name: string): ContextEntry | undefined {
  return config.contexts.find((c) => c.name === name);
}

/**
 * A config with context `name` added or changed: `server` is set, `token` and `namespace`
 * are set when given and kept otherwise (an empty string clears them). The current
 * context does not change (use `useContext`).
 */
export function setContext(config: CliConfig, name: string, settings: ContextSettings): CliConfig {
  const old = findContext(config, name);
  const token = settings.token ?? old?.token;
  const namespace = settings.namespace ?? old?.namespace;
  const entry: ContextEntry = {
    name,
    server: settings.server,
    ...(token === undefined || token === "" ? {} : { token }),
    ...(namespace === undefined || namespace === "" ? {} : { namespace }),
  };
  const contexts =
    old === undefined
      ? [...config.contexts, entry]
      : config.contexts.map((c) => (c.name === name ? entry : c));
  return { ...config, contexts };
}

/** A config whose current context is `name`; throws ContextNotFoundError. */
export function useContext(config: CliConfig, name: string): CliConfig {
  if (findContext(config, name) === undefined) throw new ContextNotFoundError(name);
  return { ...config, currentContext: name };
}

/**
 * A config without context `name` (throws ContextNotFoundError); the current context is
 * unset when it was that one.
 */
export function deleteContext(config: CliConfig, name: string): CliConfig {
  if (findContext(config, name) === undefined) throw new ContextNotFoundError(name);
  const contexts = config.contexts.filter((c) => c.name !== name);
  return config.currentContext === name
    ? { contexts }
    : {
        ...(config.currentContext === undefined ? {} : { currentContext: config.currentContext }),
        contexts,
      };
}
