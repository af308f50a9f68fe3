// The logger of every k8ts component: pino, one JSON object per line, with the component's
// name, level names rather than pino's numbers, ISO timestamps, and the trace and span id
// of the active span (when tracing is on). A pino logger also satisfies the SDK's Logger.
import { pino, type DestinationStream, type Logger as PinoLogger } from "pino";
import { logMixin } from "../telemetry/log-correlation.js";

export type ComponentLogger = PinoLogger;

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface CreateLoggerOptions {
  /** The `component` field of every line, e.g. "apiserver". */
  readonly component: string;
  /** Lowest level written (default "info"). */
  readonly level?: string;
  /** Where lines go (default stdout; a supervisor points it at a file). */
  readonly destination?: DestinationStream;
}

export function isLogLevel(level: string): level is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(level);
}

/** Throws when `level` is not one of LOG_LEVELS. */
export function createLogger(options: CreateLoggerOptions): ComponentLogger {
  const level = options.level ?? "info";
  if (!isLogLevel(level))
    throw new Error(`unknown log level ${level} (one of ${LOG_LEVELS.join(", ")})`);
  return pino(
    {
      level,
      base: { component: options.component, pid: process.pid },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      mixin: logMixin,
    },
    options.destination,
  );
}
