// `k8ts conformance runtime` without the command line: reach the runtime (at --endpoint,
// or a plugin instance the suite starts from --plugin), run the checks, and report.
// Checks that need --plugin are SKIPPED without it; with it they start instances of their
// own, so the runtime under the endpoint checks is never restarted.
import { randomBytes } from "node:crypto";
import { RuntimeClient } from "@k8ts/sdk";
import { describeError } from "../expectations.js";
import type { PluginCommand } from "../plugin-command.js";
import type { PluginInstance } from "../plugin-instance.js";
import { summarize, type ConformanceReport, type ConformanceTarget } from "../report.js";
import { runChecks, type Check, type CheckResult } from "../runner.js";
import { runtimeChecks } from "./runtime-checks.js";
import {
  RuntimeCheckContext,
  startRuntimePlugin,
  type RuntimeSuiteSetup,
} from "./runtime-context.js";

export const DEFAULT_IMAGE = "busybox:latest";
export const DEFAULT_MISSING_IMAGE = "k8ts.invalid/does-not-exist:never";

export interface RuntimeConformanceOptions {
  /** unix:///path.sock of a running runtime; optional with `plugin`. */
  readonly endpoint?: string;
  /** How to start the plugin (--plugin, parsed). */
  readonly plugin?: PluginCommand;
  /** --plugin as given, for the report. */
  readonly pluginText?: string;
  readonly image?: string;
  readonly missingImage?: string;
  readonly focus?: RegExp;
  /** Per check; also how long a plugin may take to answer after starting. */
  readonly timeoutMs: number;
  /** Aborting (Ctrl-C) stops the current check, cleans up, and runs no further ones. */
  readonly signal?: AbortSignal;
  /** Defaults to every check; tests narrow it. */
  readonly checks?: readonly Check<RuntimeCheckContext>[];
  /** Progress: the target once reached, then each result as it comes. */
  readonly onStart?: (runId: string, target: ConformanceTarget) => void;
  readonly onResult?: (result: CheckResult) => void;
}

/** Neither the endpoint nor the plugin answered: nothing could be checked. */
export class RuntimeUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RuntimeUnreachableError";
  }
}

// A slow registry must not fail the first check that needs the image: the suite pulls it
// once before any check, with a longer deadline.
const FIRST_PULL_MS = 5 * 60_000;

export async function runRuntimeConformance(
  options: RuntimeConformanceOptions,
): Promise<ConformanceReport> {
  const started = Date.now();
  const runId = randomBytes(4).toString("hex");
  let instance: PluginInstance | undefined;
  let endpoint = options.endpoint;
  const nodeName = `conformance-${runId}`;
  if (endpoint === undefined) {
    if (options.plugin === undefined)
      throw new RuntimeUnreachableError("--endpoint or --plugin is required");
    try {
      instance = await startRuntimePlugin(options.plugin, nodeName, options.timeoutMs);
    } catch (e) {
      throw new RuntimeUnreachableError(`cannot start the plugin: ${describeError(e)}`);
    }
    endpoint = instance.endpoint;
  }
  const client = new RuntimeClient(endpoint, { deadlineMs: options.timeoutMs });
  const warnings: string[] = [];
  let report: ConformanceReport;
  try {
    report = await runAgainst(client, endpoint, instance, nodeName, runId, warnings, options);
  } finally {
    client.close();
    if (instance !== undefined)
      await instance.dispose().catch((e: unknown) => {
        warnings.push(describeError(e));
      });
  }
  return {
    ...report,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
  };
}

async function runAgainst(
  client: RuntimeClient,
  endpoint: string,
  instance: PluginInstance | undefined,
  nodeName: string,
  runId: string,
  warnings: string[],
  options: RuntimeConformanceOptions,
): Promise<ConformanceReport> {
  const started = Date.now();
  const image = options.image ?? DEFAULT_IMAGE;
  const missingImage = options.missingImage ?? DEFAULT_MISSING_IMAGE;
  const version = await client.version().catch((e: unknown) => {
    throw new RuntimeUnreachableError(`no runtime answers at ${endpoint}: ${describeError(e)}`);
  });
  const target: ConformanceTarget = {
    endpoint,
    ...(instance === undefined || options.pluginText === undefined
      ? {}
      : { plugin: options.pluginText }),
    name: version.runtimeName,
    version: version.runtimeVersion,
    contractVersion: version.version,
    nodeName: version.nodeName,
  };
  options.onStart?.(runId, target);

  const setup: RuntimeSuiteSetup = {
    runId,
    image,
    missingImage,
    timeoutMs: options.timeoutMs,
    client,
    expectedNodeName: instance === undefined ? undefined : nodeName,
    plugin: options.plugin,
    pulls: new Map(),
  };
  const checks = options.checks ?? runtimeChecks;
  if (checks.some((c) => options.focus?.test(c.name) ?? true)) {
    try {
      const pull = client.pullImage(image, Math.max(FIRST_PULL_MS, options.timeoutMs));
      await pull;
      setup.pulls.set(client, pull);
    } catch (e) {
      warnings.push(`pulling ${image} failed (${describeError(e)}); the checks that need it retry`);
    }
  }

  const run = await runChecks<RuntimeCheckContext>({
    checks,
    timeoutMs: options.timeoutMs,
    ...(options.focus === undefined ? {} : { focus: options.focus }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    unavailable: (requirement) =>
      requirement === "plugin" && options.plugin === undefined ? "needs --plugin" : undefined,
    context: (scope) => new RuntimeCheckContext(setup, scope),
    warn: (message) => warnings.push(message),
    ...(options.onResult === undefined ? {} : { onResult: options.onResult }),
  });
  return {
    suite: "runtime",
    runId,
    target,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    results: run.results,
    summary: summarize(run),
    warnings,
  };
}
