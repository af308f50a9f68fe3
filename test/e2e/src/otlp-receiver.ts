// A small OTLP/HTTP trace receiver for tests: accepts POST /v1/traces in the JSON encoding
// (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json) on 127.0.0.1 and keeps every span, with
// the service.name of the process that sent it.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** OTLP span kinds as numbers in the JSON encoding. */
export const SpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

export interface ReceivedSpan {
  readonly service: string;
  readonly scope: string;
  readonly traceId: string;
  readonly spanId: string;
  /** "" for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, unknown>>;
}

interface KeyValue {
  readonly key: string;
  readonly value: Record<string, unknown>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function objects(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

function text(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function attributes(v: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of objects(v) as unknown as KeyValue[])
    if (typeof kv.key === "string" && isObject(kv.value)) out[kv.key] = Object.values(kv.value)[0];
  return out;
}

/** ExportTraceServiceRequest (JSON) -> flat spans; throws on something that is not one. */
export function parseExportRequest(body: string): ReceivedSpan[] {
  const request: unknown = JSON.parse(body);
  if (!isObject(request) || !Array.isArray(request.resourceSpans))
    throw new Error("not an ExportTraceServiceRequest: no resourceSpans");
  const spans: ReceivedSpan[] = [];
  for (const rs of objects(request.resourceSpans)) {
    const resource = isObject(rs.resource) ? attributes(rs.resource.attributes) : {};
    const service = text(resource["service.name"]);
    for (const ss of objects(rs.scopeSpans)) {
      const scope = isObject(ss.scope) ? text(ss.scope.name) : "";
      for (const s of objects(ss.spans))
        spans.push({
          service,
          scope,
          traceId: text(s.traceId),
          spanId: text(s.spanId),
          parentSpanId: text(s.parentSpanId),
          name: text(s.name),
          kind: typeof s.kind === "number" ? s.kind : 0,
          attributes: attributes(s.attributes),
        });
    }
  }
  return spans;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export class OtlpReceiver {
  private constructor(
    private readonly server: Server,
    /** http://127.0.0.1:PORT, for OTEL_EXPORTER_OTLP_ENDPOINT. */
    readonly url: string,
    /** Every span received so far. */
    readonly spans: readonly ReceivedSpan[],
    /** Requests that were refused, and why (a test fails on any). */
    readonly rejected: readonly string[],
  ) {}

  static async start(): Promise<OtlpReceiver> {
    const spans: ReceivedSpan[] = [];
    const rejected: string[] = [];
    const server = createServer((req, res) => {
      const refuse = (status: number, why: string): void => {
        rejected.push(`${req.method} ${req.url}: ${why}`);
        res.writeHead(status).end();
      };
      if (req.method !== "POST" || req.url !== "/v1/traces") return refuse(404, "not found");
      if (req.headers["content-type"] !== "application/json")
        return refuse(415, `content-type ${req.headers["content-type"]}`);
      readBody(req).then(
        (body) => {
          try {
            spans.push(...parseExportRequest(body));
          } catch (e) {
            return refuse(400, String(e));
          }
          res.writeHead(200, { "content-type": "application/json" }).end("{}");
        },
        (e: unknown) => refuse(400, String(e)),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    const { port } = server.address() as AddressInfo;
    return new OtlpReceiver(server, `http://127.0.0.1:${port}`, spans, rejected);
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.closeAllConnections();
      this.server.close((err) => (err ? reject(err) : resolve()));
    });
  }
}
