// Traces across processes: a real apiserver, an SDK client and the real CLI, each started
// with `node --import @k8ts/sdk/telemetry/register` and exporting to a small OTLP/HTTP
// receiver. A client span and the server span of the same call share a trace, the server
// span is the client span's child, log lines carry the trace id, and the Watch stream
// that was open throughout produced no span on either side.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiServerProcess } from "@k8ts/apiserver/testing";
import { waitFor } from "@k8ts/sdk";
import { OtlpReceiver, SpanKind, type ReceivedSpan } from "./otlp-receiver.js";

const REGISTER = import.meta.resolve("@k8ts/sdk/telemetry/register");
const CLIENT = fileURLToPath(new URL("./telemetry-client.js", import.meta.url));
const CLI = fileURLToPath(import.meta.resolve("@k8ts/cli"));
const CREATE = "grpc.k8ts.api.v1.Namespaces/Create";

let receiver: OtlpReceiver;
let api: ApiServerProcess;
let dir: string;
/** Spans of everything, collected once the apiserver has stopped (and so flushed). */
let spans: readonly ReceivedSpan[];
let clientRun: Run;
let cliRun: Run;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", REGISTER, ...args],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Export to the receiver, as `serviceName` (else the name the process gives itself). */
function tracing(serviceName?: string): NodeJS.ProcessEnv {
  return {
    ...(serviceName === undefined ? {} : { OTEL_SERVICE_NAME: serviceName }),
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
    OTEL_BSP_SCHEDULE_DELAY: "100",
  };
}

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  dir = await mkdtemp(join(tmpdir(), "k8ts-telemetry-"));
  // The apiserver names itself (k8ts-apiserver, from its executable).
  api = await ApiServerProcess.start({ env: tracing() });

  clientRun = await runNode([CLIENT, api.address, "traced-by-sdk"], tracing("k8ts-e2e-client"));

  const manifest = join(dir, "namespace.yaml");
  await writeFile(
    manifest,
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: traced-by-cli\n",
    "utf8",
  );
  cliRun = await runNode([CLI, "apply", "-f", manifest, "--server", api.address], {
    ...tracing("k8ts-cli"),
    K8TS_CONFIG: join(dir, "config"),
  });

  // SIGTERM: the apiserver exports what it still buffers before it exits.
  await api.stop();
  await waitFor("spans of the apiserver", () =>
    receiver.spans.some((s) => s.service === "k8ts-apiserver") ? true : undefined,
  );
  spans = receiver.spans;
}, 90_000);

afterAll(async () => {
  await api?.dispose();
  await receiver?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function describeSpans(list: readonly ReceivedSpan[]): string {
  return list
    .map((s) => `${s.service} ${s.kind} ${s.name} ${s.traceId}/${s.spanId}<-${s.parentSpanId}`)
    .join("\n");
}

/** The server span that is the child of `client`, if any. */
function serverSpanOf(client: ReceivedSpan): ReceivedSpan | undefined {
  return spans.find(
    (s) =>
      s.service === "k8ts-apiserver" &&
      s.kind === SpanKind.SERVER &&
      s.traceId === client.traceId &&
      s.parentSpanId === client.spanId,
  );
}

describe("telemetry", () => {
  it("receives only well-formed OTLP/HTTP JSON exports", () => {
    expect(receiver.rejected).toEqual([]);
  });

  it("links an SDK client's Create span to the apiserver's span of the same call", () => {
    expect(clientRun, clientRun.stderr).toMatchObject({ code: 0 });
    const client = spans.filter((s) => s.service === "k8ts-e2e-client");
    const create = client.find((s) => s.name === CREATE && s.kind === SpanKind.CLIENT);
    expect(create, describeSpans(spans)).toBeDefined();
    if (create === undefined) return;
    expect(create.attributes).toMatchObject({ "rpc.system": "grpc", "rpc.method": "Create" });

    const server = serverSpanOf(create);
    expect(server, describeSpans(spans)).toMatchObject({ name: CREATE, traceId: create.traceId });

    // The client's own span (withSpan) is the parent of its call.
    const parent = client.find((s) => s.spanId === create.parentSpanId);
    expect(parent).toMatchObject({
      name: "create namespace",
      kind: SpanKind.INTERNAL,
      parentSpanId: "",
      attributes: { "k8ts.namespace": "traced-by-sdk" },
    });
  });

  it("puts the trace id of the active span on the client's log lines", () => {
    const lines = clientRun.stdout
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const creating = lines.find((l) => l.msg === "creating namespace");
    const parent = spans.find((s) => s.name === "create namespace");
    expect(creating).toMatchObject({
      level: "info",
      component: "e2e-client",
      trace_id: parent?.traceId,
      span_id: parent?.spanId,
    });
    expect(lines.find((l) => l.msg === "watch saw the namespace")).not.toHaveProperty("trace_id");
  });

  it("gives the Watch stream that was open during the test no span, client or server", () => {
    expect(spans.filter((s) => s.name.endsWith("/Watch"))).toEqual([]);
  });

  it("links every call of `k8ts apply` to the apiserver's span of it", () => {
    expect(cliRun, cliRun.stderr).toMatchObject({ code: 0 });
    expect(cliRun.stdout).toContain("namespace/traced-by-cli created");
    const calls = spans.filter((s) => s.service === "k8ts-cli" && s.kind === SpanKind.CLIENT);
    expect(
      calls.map((s) => s.name),
      describeSpans(spans),
    ).toContain(CREATE);
    for (const call of calls)
      expect(serverSpanOf(call), `server span of ${call.name}`).toMatchObject({
        name: call.name,
        traceId: call.traceId,
      });
  });
});
