import { describe, expect, it } from "vitest";
import { tracingSettings } from "./tracing-settings.js";
import { isLongLivedStream } from "./untraced-methods.js";

const ENDPOINT = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" };

describe("tracingSettings", () => {
  it("is off without an endpoint, with nothing to report", () => {
    expect(tracingSettings({})).toEqual({ enabled: false });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: " " })).toEqual({ enabled: false });
    expect(tracingSettings({ OTEL_SERVICE_NAME: "x" })).toEqual({ enabled: false });
  });

  it("is on with either endpoint variable: OTLP/HTTP protobuf and W3C context by default", () => {
    for (const env of [ENDPOINT, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://c:4318/v1/traces" }])
      expect(tracingSettings(env)).toMatchObject({
        enabled: true,
        protocol: "http/protobuf",
        propagators: ["tracecontext", "baggage"],
        warnings: [],
      });
  });

  it("takes the traces-specific protocol over the general one", () => {
    expect(
      tracingSettings({
        ...ENDPOINT,
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
      }),
    ).toMatchObject({ enabled: true, protocol: "http/json" });
  });

  it("is off, saying why, for a protocol or exporter it cannot serve", () => {
    expect(tracingSettings({ ...ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" })).toEqual({
      enabled: false,
      problem: expect.stringContaining("grpc") as unknown,
    });
    expect(tracingSettings({ ...ENDPOINT, OTEL_TRACES_EXPORTER: "zipkin" })).toEqual({
      enabled: false,
      problem: expect.stringContaining("zipkin") as unknown,
    });
  });

  it("is off when asked to be", () => {
    expect(tracingSettings({ ...ENDPOINT, OTEL_SDK_DISABLED: "TRUE" })).toEqual({
      enabled: false,
    });
    expect(tracingSettings({ ...ENDPOINT, OTEL_TRACES_EXPORTER: "none" })).toEqual({
      enabled: false,
    });
    expect(tracingSettings({ ...ENDPOINT, OTEL_TRACES_EXPORTER: "otlp,console" })).toMatchObject({
      enabled: true,
    });
  });

  it("keeps the propagators it has and reports the others", () => {
    expect(tracingSettings({ ...ENDPOINT, OTEL_PROPAGATORS: "b3, tracecontext" })).toMatchObject({
      propagators: ["tracecontext"],
      warnings: [expect.stringContaining("b3") as unknown],
    });
    expect(tracingSettings({ ...ENDPOINT, OTEL_PROPAGATORS: "none" })).toMatchObject({
      propagators: [],
      warnings: [],
    });
  });
});

describe("isLongLivedStream", () => {
  it("matches Watch by method name (as instrumentation-grpc passes it) or full path", () => {
    expect(isLongLivedStream("Watch")).toBe(true);
    expect(isLongLivedStream("watch")).toBe(true);
    expect(isLongLivedStream("/k8ts.api.v1.Pods/Watch")).toBe(true);
    expect(isLongLivedStream("Create")).toBe(false);
    expect(isLongLivedStream("/k8ts.api.v1.Pods/WatchList")).toBe(false);
    expect(isLongLivedStream("Stopwatch")).toBe(false);
  });

  it("matches the log and exec streams, not ExecSync", () => {
    expect(isLongLivedStream("/k8ts.api.v1.Pods/Logs")).toBe(true);
    expect(isLongLivedStream("/k8ts.kubelet.v1.Kubelet/Exec")).toBe(true);
    expect(isLongLivedStream("ContainerLogs")).toBe(true);
    expect(isLongLivedStream("ExecSync")).toBe(false);
  });
});
