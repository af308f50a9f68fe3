// withSpan and the log mixin against a real (in-memory) tracer provider: spans nest
// through awaits, failures are recorded, and log lines written inside a span carry its ids.
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../logging/create-logger.js";
import { logMixin } from "./log-correlation.js";
import { withSpan } from "./with-span.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(exporter)],
});

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});

afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

beforeEach(() => exporter.reset());

describe("withSpan", () => {
  it("makes the span active across awaits, so inner spans are its children", async () => {
    const result = await withSpan("reconcile Thing", { "k8ts.key": "ns/a" }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return withSpan("inner", {}, () => 42);
    });
    expect(result).toBe(42);
    const [inner, outer] = exporter.getFinishedSpans();
    expect(outer?.name).toBe("reconcile Thing");
    expect(outer?.attributes).toEqual({ "k8ts.key": "ns/a" });
    expect(inner?.parentSpanContext?.spanId).toBe(outer?.spanContext().spanId);
    expect(inner?.spanContext().traceId).toBe(outer?.spanContext().traceId);
  });

  it("records a thrown error on the span and rethrows it", async () => {
    await expect(
      withSpan("failing", {}, () => Promise.reject(new Error("conflict"))),
    ).rejects.toThrow("conflict");
    const [span] = exporter.getFinishedSpans();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: "conflict" });
    expect(span?.events.map((e) => e.name)).toEqual(["exception"]);
  });
});

describe("log correlation", () => {
  it("adds nothing outside a span, and a fresh object each time (pino merges into it)", () => {
    const a = logMixin();
    expect(a).toEqual({});
    expect(logMixin()).not.toBe(a);
  });

  it("puts the active span's ids on every log line", async () => {
    const lines: string[] = [];
    const log = createLogger({ component: "test", destination: { write: (l) => lines.push(l) } });
    const ids = await withSpan("work", {}, (span) => {
      log.info({ key: "k" }, "inside");
      return span.spanContext();
    });
    log.info("outside");
    const [inside, outside] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(inside).toMatchObject({
      level: "info",
      component: "test",
      key: "k",
      msg: "inside",
      trace_id: ids.traceId,
      span_id: ids.spanId,
      trace_flags: "01",
    });
    expect(outside).not.toHaveProperty("trace_id");
  });

  it("refuses an unknown level", () => {
    expect(() => createLogger({ component: "test", level: "verbose" })).toThrow("verbose");
  });
});
