// The OpenTelemetry SDK itself, loaded (by a dynamic import) only when tracing is on:
// spans of every gRPC call (client and server) except long-lived streams, batched and
// exported over OTLP/HTTP.
//
// Built from the tracing packages rather than @opentelemetry/sdk-node, which also loads
// the metrics, logs, gRPC, Prometheus and Zipkin exporters: ~1.2 s of startup here against
// ~0.25 s, paid by every CLI command run with tracing on. The packages read the remaining
// standard variables themselves: OTEL_TRACES_SAMPLER[_ARG] and span limits
// (BasicTracerProvider), OTEL_BSP_* (BatchSpanProcessor), OTEL_EXPORTER_OTLP_[TRACES_]
// {ENDPOINT,HEADERS,TIMEOUT,COMPRESSION} (exporters), OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES (envDetector).
import { context, diag, DiagConsoleLogger, propagation, trace } from "@opentelemetry/api";
import type { TextMapPropagator } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  CompositePropagator,
  diagLogLevelFromString,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import { OTLPTraceExporter as OtlpJsonTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtobufTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { GrpcInstrumentation } from "@opentelemetry/instrumentation-grpc";
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { OtlpHttpProtocol, Propagator } from "./tracing-settings.js";
import { isLongLivedStream } from "./untraced-methods.js";

export interface NodeTracingOptions {
  readonly serviceName: string;
  readonly serviceVersion?: string;
  readonly protocol: OtlpHttpProtocol;
  readonly propagators: readonly Propagator[];
}

export interface NodeTracing {
  /** Exports what is buffered, then stops. */
  shutdown(): Promise<void>;
}

function propagator(names: readonly Propagator[]): TextMapPropagator {
  return new CompositePropagator({
    propagators: names.map((name) =>
      name === "tracecontext" ? new W3CTraceContextPropagator() : new W3CBaggagePropagator(),
    ),
  });
}

export function startNodeTracing(options: NodeTracingOptions): NodeTracing {
  const logLevel = process.env.OTEL_LOG_LEVEL;
  if (logLevel !== undefined && logLevel !== "")
    diag.setLogger(new DiagConsoleLogger(), { logLevel: diagLogLevelFromString(logLevel) });

  const service: Record<string, string> = { "service.name": options.serviceName };
  if (options.serviceVersion !== undefined) service["service.version"] = options.serviceVersion;
  // Later merges win: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (envDetector) override
  // the name the component gives itself.
  const resource = defaultResource()
    .merge(resourceFromAttributes(service))
    .merge(detectResources({ detectors: [processDetector, hostDetector, envDetector] }));

  const exporter =
    options.protocol === "http/json"
      ? new OtlpJsonTraceExporter()
      : new OtlpProtobufTraceExporter();
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(propagator(options.propagators));
  trace.setGlobalTracerProvider(provider);
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new GrpcInstrumentation({ ignoreGrpcMethods: [isLongLivedStream] })],
  });
  return { shutdown: () => provider.shutdown() };
}
