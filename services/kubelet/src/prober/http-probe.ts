// httpGet probe: GET scheme://host:port/path; 200-399 is success. As Kubernetes' prober:
// no keep-alive, certificates not verified, User-Agent "kube-probe/..." and Accept "*/*"
// unless the probe sets them, a Host header from httpHeaders used as the request's host,
// at most 10 KiB of body kept. Redirects are followed only to the same host name (up to
// 10 requests); a redirect elsewhere is not followed and counts as success with a warning,
// since the 3xx answer itself says the server is up. The timeout covers the whole
// exchange, redirects and body included.
import http from "node:http";
import https from "node:https";
import type { HTTPHeader } from "@k8ts/sdk/gen/k8ts/api/v1/container.js";
import {
  failure,
  formatSeconds,
  MAX_PROBE_OUTPUT_BYTES,
  success,
  warning,
  type ProbeOutcome,
} from "./probe-outcome.js";
import { joinHostPort } from "./probe-port.js";

export interface HttpProbeRequest {
  /** "HTTP" (also for "") or "HTTPS". */
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
  /** Path and optional query, e.g. "/healthz?full=1". */
  readonly path: string;
  readonly headers: readonly HTTPHeader[];
  readonly timeoutMs: number;
  /** Aborts the request (kubelet shutdown, container gone). */
  readonly signal?: AbortSignal;
}

/** Apps filter probe requests out of their access logs by this prefix. */
export const PROBE_USER_AGENT = "kube-probe/k8ts";

/** Go's http.Client gives up after 10 requests of one redirect chain. */
const MAX_REQUESTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

interface Answer {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
}

/** The URL a probe requests, as text (it may not parse: a bad host or path). */
export function probeUrl(scheme: string, host: string, port: number, path: string): string {
  const protocol = scheme.toUpperCase() === "HTTPS" ? "https" : "http";
  const rooted = path.startsWith("/") ? path : `/${path}`;
  return `${protocol}://${joinHostPort(host, port)}${rooted}`;
}

/** Request headers: the probe's (repeatable), then the defaults it did not set. */
function requestHeaders(headers: readonly HTTPHeader[]): http.OutgoingHttpHeaders {
  const out: Record<string, string[]> = {};
  for (const h of headers) (out[h.name.toLowerCase()] ??= []).push(h.value);
  out["user-agent"] ??= [PROBE_USER_AGENT];
  out.accept ??= ["*/*"];
  const result: http.OutgoingHttpHeaders = {};
  // Host must be a single value for Node to use it as the request's host.
  for (const [name, values] of Object.entries(out))
    result[name] = values.length === 1 || name === "host" ? values[0] : values;
  return result;
}

function get(url: URL, headers: http.OutgoingHttpHeaders, signal: AbortSignal): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const client = url.protocol === "https:" ? https : http;
    const request = client.request(
      url,
      { method: "GET", headers, agent: false, signal, rejectUnauthorized: false },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        const answer = (): Answer => ({
          status: response.statusCode ?? 0,
          location: response.headers.location,
          body: Buffer.concat(chunks).subarray(0, MAX_PROBE_OUTPUT_BYTES).toString("utf8"),
        });
        response.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size >= MAX_PROBE_OUTPUT_BYTES && !truncated) {
            // Enough to judge and report; the rest of a big body is not worth reading.
            truncated = true;
            response.destroy();
          }
        });
        response.on("end", () => resolve(answer()));
        response.on("error", reject);
        response.on("close", () => {
          if (truncated || response.complete) resolve(answer());
          else reject(new Error("connection closed before the response was complete"));
        });
      },
    );
    request.on("error", reject);
    request.end();
  });
}

export async function httpProbe(request: HttpProbeRequest): Promise<ProbeOutcome> {
  const text = probeUrl(request.scheme, request.host, request.port, request.path);
  if (!URL.canParse(text)) return failure(`parse "${text}": invalid URL`);
  const first = new URL(text);
  const headers = requestHeaders(request.headers);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), request.timeoutMs);
  const signal =
    request.signal === undefined
      ? deadline.signal
      : AbortSignal.any([deadline.signal, request.signal]);
  try {
    let url = first;
    for (let requests = 1; ; requests++) {
      let answer: Answer;
      try {
        answer = await get(url, headers, signal);
      } catch (err: unknown) {
        if (deadline.signal.aborted)
          return failure(`Get "${url.href}": timed out after ${formatSeconds(request.timeoutMs)}`);
        return failure(`Get "${url.href}": ${err instanceof Error ? err.message : String(err)}`);
      }
      if (answer.status >= 200 && answer.status < 300) return success(answer.body);
      if (answer.status < 200 || answer.status >= 400)
        return failure(`HTTP probe failed with statuscode: ${answer.status}`);
      const next = redirectTarget(answer, url);
      if (next === undefined || next.hostname !== first.hostname)
        return warning(`Probe terminated redirects, Response body: ${answer.body}`);
      if (requests >= MAX_REQUESTS)
        return failure(`Get "${next.href}": stopped after ${MAX_REQUESTS} redirects`);
      url = next;
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Where a 3xx answer sends the client, if it is a redirect an HTTP client follows. */
function redirectTarget(answer: Answer, from: URL): URL | undefined {
  if (!REDIRECT_STATUSES.has(answer.status) || answer.location === undefined) return undefined;
  if (!URL.canParse(answer.location, from.href)) return undefined;
  const next = new URL(answer.location, from);
  return next.protocol === "http:" || next.protocol === "https:" ? next : undefined;
}
