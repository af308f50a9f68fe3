// Trace ids on log lines: a pino `mixin` that adds the active span's ids, so a log line
// written while handling a traced request or reconcile leads to its trace. (The
// instrumentation-pino package does the same by patching pino, which under ESM needs the
// loader hook for pino as well; a mixin works in every process.)
import { isSpanContextValid, trace } from "@opentelemetry/api";

export interface TraceLogFields {
  readonly trace_id?: string;
  readonly span_id?: string;
  readonly trace_flags?: string;
}

/**
 * `pino({ mixin: logMixin })`: trace_id, span_id and trace_flags of the active span. Returns
 * a new object every time: pino merges the line's own fields into it.
 */
export function logMixin(): TraceLogFields {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const context = span.spanContext();
  if (!isSpanContextValid(context)) return {};
  return {
    trace_id: context.traceId,
    span_id: context.spanId,
    trace_flags: context.traceFlags.toString(16).padStart(2, "0"),
  };
}
