// Options several commands share, parsed into typed values once, here.
import { parseDuration } from "@k8ts/sdk";
import { InvalidArgumentError, Option, type Command } from "commander";
import type { GlobalFlags } from "../session.js";
import type { DryRun } from "../manifests/apply-runner.js";

/** `-f` may repeat: `-f a.yaml -f dir/`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** kubectl's `--dry-run[=none|client|server]`; a bare `--dry-run` means client. */
export function dryRunOption(): Option {
  return new Option(
    "--dry-run [strategy]",
    'only show what would happen: "client" (nothing sent to the server) or "server" (the server validates, nothing is stored)',
  ).argParser((value: string): DryRun => {
    if (value === "none" || value === "client" || value === "server") return value;
    throw new InvalidArgumentError('must be "none", "client" or "server"');
  });
}

export function dryRunOf(value: unknown): DryRun {
  if (value === true) return "client";
  if (value === "client" || value === "server") return value;
  return "none";
}

export function nonNegativeInt(what: string): (value: string) => number {
  return (value: string): number => {
    if (!/^\d+$/.test(value))
      throw new InvalidArgumentError(`${what} must be a non-negative integer`);
    return Number(value);
  };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The global flags (--server, --token, --context, -n) as seen from a subcommand. */
export function globalFlags(cmd: Command): GlobalFlags {
  const o = cmd.optsWithGlobals<Record<string, unknown>>();
  const flags: { server?: string; token?: string; context?: string; namespace?: string } = {};
  const server = stringOrUndefined(o.server);
  const token = stringOrUndefined(o.token);
  const context = stringOrUndefined(o.context);
  const namespace = stringOrUndefined(o.namespace);
  if (server !== undefined) flags.server = server;
  if (token !== undefined) flags.token = token;
  if (context !== undefined) flags.context = context;
  if (namespace !== undefined) flags.namespace = namespace;
  return flags;
}

/** A boolean flag that also takes kubectl's `--flag=true|false` form. */
export function booleanValue(what: string): (value: string) => boolean {
  return (value: string): boolean => {
    if (/^(true|1)$/i.test(value)) return true;
    if (/^(false|0)$/i.test(value)) return false;
    throw new InvalidArgumentError(`${what} must be true or false`);
  };
}

/** A Go-style duration ("30s", "5m", "1h30m", "0") in milliseconds. */
export function durationValue(what: string): (value: string) => number {
  return (value: string): number => {
    if (value === "0") return 0;
    try {
      return parseDuration(value);
    } catch {
      throw new InvalidArgumentError(`${what} must be a duration such as 30s, 5m or 1h`);
    }
  };
}
