// Tracing for one k8ts process. Started once: by the register module (`node --import
// @k8ts/sdk/telemetry/register`), which has to run before @grpc/grpc-js is imported for
// gRPC calls to be traced, or else by the component; a later call returns the same handle.
// Without an OTLP endpoint nothing is loaded and the handle does nothing.
import { stderrLogger } from "../logging/logger.js";
import type { NodeTracing } from "./node-tracing.js";
import { tracingSettings } from "./tracing-settings.js";

export interface TelemetryOptions {
  /** service.name of the spans (OTEL_SERVICE_NAME overrides it). */
  readonly serviceName: string;
  /** service.version of the spans. */
  readonly serviceVersion?: string;
  /** How long shutdown() waits for the last spans to be exported (default 5 s). */
  readonly shutdownTimeoutMs?: number;
}

export interface Telemetry {
  /** True when spans are exported. */
  readonly enabled: boolean;
  /**
   * Exports the spans still buffered and stops exporting. Waits at most the shutdown
   * timeout (a collector that is down must not hold up an exit); never rejects; calling it
   * again returns the same promise. Also runs on the process's `beforeExit`, so a
   * short-lived command that ends by draining its event loop loses no spans.
   */
  shutdown(): Promise<void>;
}

const log = stderrLogger("telemetry");

const DISABLED: Telemetry = { enabled: false, shutdown: () => Promise.resolve() };

let started: Promise<Telemetry> | undefined;
let loaderHookRegistered = false;

/** Called by the register module once the ESM loader hook is in place. */
export function noteLoaderHookRegistered(): void {
  loaderHookRegistered = true;
}

/**
 * Starts tracing for this process from the standard OTEL_* variables, or returns the
 * handle of the tracing already started (then `options` are not used).
 */
export function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  started ??= start(options);
  return started;
}

async function start(options: TelemetryOptions): Promise<Telemetry> {
  const settings = tracingSettings(process.env);
  if (!settings.enabled) {
    if (settings.problem !== undefined)
      log.warn({ problem: settings.problem }, "tracing is off: unsupported configuration");
    return DISABLED;
  }
  for (const problem of settings.warnings) log.warn({ problem }, "tracing: ignored a setting");
  if (!loaderHookRegistered)
    log.warn(
      {},
      "tracing started without `node --import @k8ts/sdk/telemetry/register`: gRPC calls are not traced",
    );
  let tracing: NodeTracing;
  try {
    // Loaded here, not imported at the top: a process without an endpoint never pays for it.
    const { startNodeTracing } = await import("./node-tracing.js");
    tracing = startNodeTracing({
      ...options,
      protocol: settings.protocol,
      propagators: settings.propagators,
    });
  } catch (err) {
    // A component runs without tracing rather than not at all.
    log.error({ err }, "tracing is off: the OpenTelemetry SDK failed to start");
    return DISABLED;
  }
  const timeoutMs = options.shutdownTimeoutMs ?? 5_000;
  let stopping: Promise<void> | undefined;
  const telemetry: Telemetry = {
    enabled: true,
    shutdown: () => {
      stopping ??= boundedShutdown(() => tracing.shutdown(), timeoutMs);
      return stopping;
    },
  };
  process.once("beforeExit", () => void telemetry.shutdown());
  return telemetry;
}

async function boundedShutdown(shutdown: () => Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  try {
    const outcome = await Promise.race([shutdown().then(() => "done" as const), timedOut]);
    if (outcome === "timeout")
      log.warn({ timeoutMs }, "spans not exported before the shutdown timeout were dropped");
  } catch (err) {
    log.warn({ err }, "exporting the last spans failed");
  } finally {
    clearTimeout(timer);
  }
}
