// The logger the SDK's long-lived loops report to. Its shape is pino's (`log.warn({err},
// "msg")`), so a pino logger can be passed as is; the default writes warnings and errors
// as JSON lines to stderr.

export type LogFn = (fields: Record<string, unknown>, message: string) => void;

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

function errorFields(fields: Record<string, unknown>): Record<string, unknown> {
  const err = fields.err;
  if (!(err instanceof Error)) return fields;
  return { ...fields, err: { type: err.name, message: err.message, stack: err.stack } };
}

function write(level: string, component: string | undefined): LogFn {
  return (fields, message) => {
    const line = { level, time: Date.now(), component, ...errorFields(fields), msg: message };
    process.stderr.write(`${JSON.stringify(line)}\n`);
  };
}

/** Warnings and errors as JSON lines on stderr; debug and info dropped. */
export function stderrLogger(component?: string): Logger {
  const drop: LogFn = () => undefined;
  return {
    debug: drop,
    info: drop,
    warn: write("warn", component),
    error: write("error", component),
  };
}

/** Drops everything (tests that assert on errors pass their own). */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
