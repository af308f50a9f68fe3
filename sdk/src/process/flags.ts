// Command-line flags for every k8ts executable: each flag has an environment variable
// equivalent (flag wins), a default, a description for --help, and a typed parser, so a
// bad value fails at start with the flag's name instead of somewhere later.
import { parseArgs } from "node:util";

export type FlagKind = "string" | "boolean" | "int" | "duration" | "list";

export interface FlagSpec {
  readonly kind: FlagKind;
  readonly description: string;
  readonly default?: string | boolean | number | readonly string[];
  readonly env?: string;
}

type ValueOf<S extends FlagSpec> = S["kind"] extends "boolean"
  ? boolean
  : S["kind"] extends "int" | "duration"
    ? number
    : S["kind"] extends "list"
      ? string[]
      : string;

export type Flags<T extends Record<string, FlagSpec>> = { [K in keyof T]: ValueOf<T[K]> };

export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlagError";
  }
}

export class HelpRequested extends Error {
  constructor(readonly text: string) {
    super("help requested");
    this.name = "HelpRequested";
  }
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "500ms", "30s", "5m", "1h30m" -> milliseconds. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * (UNITS[m[2] ?? ""] ?? 0);
    matched += m[0].length;
  }
  if (text === "" || matched !== text.length)
    throw new FlagError(`${JSON.stringify(text)} is not a duration (e.g. 500ms, 30s, 5m, 1h)`);
  return Math.round(total);
}

function convert(
  name: string,
  spec: FlagSpec,
  given: string | boolean | Array<string | boolean>,
): unknown {
  const raw = Array.isArray(given) ? given.map(String) : given;
  const text = Array.isArray(raw) ? raw.join(",") : String(raw);
  switch (spec.kind) {
    case "boolean":
      if (typeof raw === "boolean") return raw;
      if (/^(1|true|yes)$/i.test(text)) return true;
      if (/^(0|false|no|)$/i.test(text)) return false;
      throw new FlagError(`--${name}: ${JSON.stringify(text)} is not true or false`);
    case "int": {
      const n = Number(text);
      if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n))
        throw new FlagError(`--${name}: ${JSON.stringify(text)} is not an integer`);
      return n;
    }
    case "duration":
      try {
        return parseDuration(text);
      } catch (e) {
        throw new FlagError(`--${name}: ${(e as Error).message}`);
      }
    case "list":
      return (Array.isArray(raw) ? raw : [text])
        .flatMap((s) => s.split(","))
        .map((s) => s.trim())
        .filter((s) => s !== "");
    default:
      return text;
  }
}

/** The --help text of a command. */
export function helpText(
  command: string,
  summary: string,
  specs: Record<string, FlagSpec>,
): string {
  const lines = [`Usage: ${command} [flags]`, "", summary, "", "Flags:"];
  for (const [name, s] of Object.entries(specs)) {
    const def =
      s.default === undefined || s.default === ""
        ? ""
        : ` (default ${Array.isArray(s.default) ? s.default.join(",") : String(s.default)})`;
    const env = s.env === undefined ? "" : ` [$${s.env}]`;
    lines.push(
      `  --${name}${s.kind === "boolean" ? "" : ` <${s.kind}>`}`,
      `      ${s.description}${def}${env}`,
    );
  }
  lines.push("  --help", "      print this help");
  return lines.join("\n");
}

/** Parses argv and the environment; throws FlagError or HelpRequested. */
export function parseFlags<T extends Record<string, FlagSpec>>(
  command: string,
  summary: string,
  specs: T,
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): Flags<T> {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {
    help: { type: "boolean" },
  };
  for (const [name, s] of Object.entries(specs))
    options[name] =
      s.kind === "boolean"
        ? { type: "boolean" }
        : s.kind === "list"
          ? { type: "string", multiple: true }
          : { type: "string" };
  let values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new FlagError(`${(e as Error).message} (see --help)`);
  }
  if (values.help === true) throw new HelpRequested(helpText(command, summary, specs));
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(specs)) {
    const fromFlag = values[name];
    const fromEnv = s.env === undefined ? undefined : env[s.env];
    if (fromFlag !== undefined) out[name] = convert(name, s, fromFlag);
    else if (fromEnv !== undefined && fromEnv !== "") out[name] = convert(name, s, fromEnv);
    else if (s.default !== undefined)
      out[name] =
        typeof s.default === "string" && s.kind !== "string"
          ? convert(name, s, s.default)
          : Array.isArray(s.default)
            ? [...(s.default as string[])]
            : s.default;
    else
      out[name] =
        s.kind === "boolean" ? false : s.kind === "list" ? [] : s.kind === "string" ? "" : 0;
  }
  return out as Flags<T>;
}

/**
 * A true/false flag value ("true", "false", "1", "0", "yes", "no"). Flags that default to
 * true are declared as strings and parsed with this, since users write `--leader-elect=false`.
 */
export function parseBooleanFlag(name: string, text: string): boolean {
  if (/^(1|true|yes)$/i.test(text)) return true;
  if (/^(0|false|no)$/i.test(text)) return false;
  throw new FlagError(`--${name}: ${JSON.stringify(text)} is not true or false`);
}
