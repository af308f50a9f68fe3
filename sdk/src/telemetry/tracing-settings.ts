// Whether this process exports traces, read from the standard OTEL_* variables. Tracing is
// on only when an OTLP endpoint is set, so a process without one never loads the
// OpenTelemetry SDK. Only OTLP over HTTP is exported (protobuf, the OTLP default, or JSON).
export type OtlpHttpProtocol = "http/protobuf" | "http/json";
export type Propagator = "tracecontext" | "baggage";

export type TracingSettings =
  | {
      readonly enabled: true;
      readonly protocol: OtlpHttpProtocol;
      /** Where spans go (the exporter reads the same variables and appends /v1/traces). */
      readonly endpoint: string;
      /** How trace context travels in gRPC metadata (OTEL_PROPAGATORS; W3C by default). */
      readonly propagators: readonly Propagator[];
      /** Values that were ignored, to be reported. */
      readonly warnings: readonly string[];
    }
  | {
      readonly enabled: false;
      /** Why tracing is off when the variables ask for something unsupported; undefined
       * when tracing is simply not configured. */
      readonly problem?: string;
    };

const PROTOCOLS: readonly OtlpHttpProtocol[] = ["http/protobuf", "http/json"];
const PROPAGATORS: readonly Propagator[] = ["tracecontext", "baggage"];

function variable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

function isOtlpHttpProtocol(value: string): value is OtlpHttpProtocol {
  return (PROTOCOLS as readonly string[]).includes(value);
}

function isPropagator(value: string): value is Propagator {
  return (PROPAGATORS as readonly string[]).includes(value);
}

function list(value: string): string[] {
  return value
    .split(",")
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== "");
}

/** Reads OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT,
 * OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL and OTEL_PROPAGATORS. */
export function tracingSettings(env: NodeJS.ProcessEnv = process.env): TracingSettings {
  if (variable(env, "OTEL_SDK_DISABLED")?.toLowerCase() === "true") return { enabled: false };
  const exporters = list(variable(env, "OTEL_TRACES_EXPORTER") ?? "otlp");
  if (!exporters.includes("otlp")) {
    if (exporters.includes("none")) return { enabled: false };
    return {
      enabled: false,
      problem: `OTEL_TRACES_EXPORTER=${exporters.join(",")} is not supported (k8ts exports otlp or none)`,
    };
  }
  const endpoint =
    variable(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") ??
    variable(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
  if (endpoint === undefined) return { enabled: false };
  const protocol =
    variable(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ??
    variable(env, "OTEL_EXPORTER_OTLP_PROTOCOL") ??
    "http/protobuf";
  if (!isOtlpHttpProtocol(protocol))
    return {
      enabled: false,
      problem: `OTLP protocol ${protocol} is not supported (k8ts exports ${PROTOCOLS.join(" or ")})`,
    };
  const warnings: string[] = [];
  const propagators: Propagator[] = [];
  for (const name of list(variable(env, "OTEL_PROPAGATORS") ?? PROPAGATORS.join(","))) {
    if (isPropagator(name)) propagators.push(name);
    else if (name !== "none")
      warnings.push(
        `OTEL_PROPAGATORS: ${name} is not supported (k8ts has ${PROPAGATORS.join(", ")})`,
      );
  }
  return { enabled: true, protocol, endpoint, propagators, warnings };
}
