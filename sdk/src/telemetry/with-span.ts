// A span around a unit of work that is not an RPC, e.g. one reconcile of one key: the
// span is the active one while `fn` runs, so the gRPC calls it makes become its children
// and its log lines carry its trace id. Without tracing this costs a no-op span.
import { SpanStatusCode, trace, type Attributes, type Span } from "@opentelemetry/api";

const tracer = trace.getTracer("k8ts");

/**
 * Runs `fn` in a new span named `name` (low cardinality: "reconcile ReplicaSet", with the
 * key as an attribute, not in the name). A thrown error is recorded on the span, which is
 * marked failed, and rethrown.
 */
export function withSpan<T>(
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T> | T,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: err instanceof Error ? err.message : String(err),
      });
      throw err;
    } finally {
      span.end();
    }
  });
}
