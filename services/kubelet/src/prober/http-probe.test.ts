import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { httpProbe, PROBE_USER_AGENT, type HttpProbeRequest } from "./http-probe.js";
import { MAX_PROBE_OUTPUT_BYTES } from "./probe-outcome.js";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const servers: Array<http.Server | https.Server> = [];

async function listen(server: http.Server | https.Server, handler: Handler): Promise<number> {
  server.on("request", handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

const serve = (handler: Handler): Promise<number> => listen(http.createServer(), handler);

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const probe = (port: number, over: Partial<HttpProbeRequest> = {}) =>
  httpProbe({
    scheme: "HTTP",
    host: "127.0.0.1",
    port,
    path: "/healthz",
    headers: [],
    timeoutMs: 2000,
    ...over,
  });

describe("httpProbe", () => {
  it("succeeds on 2xx with the body as output", async () => {
    const port = await serve((_req, res) => res.end("fine"));
    expect(await probe(port)).toEqual({ result: "success", output: "fine" });
  });

  it("fails on 4xx and 5xx with Kubernetes' message", async () => {
    const port = await serve((req, res) => {
      res.statusCode = req.url === "/missing" ? 404 : 500;
      res.end("broken");
    });
    expect(await probe(port)).toEqual({
      result: "failure",
      output: "HTTP probe failed with statuscode: 500",
    });
    expect((await probe(port, { path: "/missing" })).output).toBe(
      "HTTP probe failed with statuscode: 404",
    );
  });

  it("sends the path with its query, default headers, the probe's headers and Host", async () => {
    let seen: http.IncomingMessage | undefined;
    const port = await serve((req, res) => {
      seen = req;
      res.end();
    });
    await probe(port, {
      path: "ready?full=1",
      headers: [
        { name: "X-Probe", value: "a" },
        { name: "X-Probe", value: "b" },
        { name: "Host", value: "web.example" },
      ],
    });
    expect(seen?.url).toBe("/ready?full=1");
    expect(seen?.headers["user-agent"]).toBe(PROBE_USER_AGENT);
    expect(seen?.headers.accept).toBe("*/*");
    expect(seen?.headers["x-probe"]).toBe("a, b");
    expect(seen?.headers.host).toBe("web.example");
    expect(seen?.headers.connection).toBe("close");
  });

  it("lets the probe's headers replace the defaults", async () => {
    let agent: string | undefined;
    const port = await serve((req, res) => {
      agent = req.headers["user-agent"];
      res.end();
    });
    await probe(port, { headers: [{ name: "User-Agent", value: "mine" }] });
    expect(agent).toBe("mine");
  });

  it("follows redirects on the same host", async () => {
    const port = await serve((req, res) => {
      if (req.url === "/healthz") {
        res.writeHead(302, { location: "/real" }).end();
      } else res.end(`at ${req.url}`);
    });
    expect(await probe(port)).toEqual({ result: "success", output: "at /real" });
  });

  it("does not follow a redirect to another host: success with a warning", async () => {
    const port = await serve((_req, res) => {
      res.writeHead(301, { location: `http://localhost:${1}/elsewhere` }).end("moved");
    });
    expect(await probe(port)).toEqual({
      result: "warning",
      output: "Probe terminated redirects, Response body: moved",
    });
  });

  it("fails after 10 requests of a redirect loop", async () => {
    let requests = 0;
    const port = await serve((_req, res) => {
      requests++;
      res.writeHead(307, { location: "/healthz" }).end();
    });
    const outcome = await probe(port);
    expect(outcome.result).toBe("failure");
    expect(outcome.output).toMatch(/stopped after 10 redirects/);
    expect(requests).toBe(10);
  });

  it("fails when nothing listens", async () => {
    const port = await serve((_req, res) => res.end());
    const server = servers.pop();
    await new Promise((resolve) => server?.close(resolve));
    const outcome = await probe(port);
    expect(outcome.result).toBe("failure");
    expect(outcome.output).toMatch(
      new RegExp(`^Get "http://127.0.0.1:${port}/healthz": .*ECONNREFUSED`),
    );
  });

  it("fails when the answer takes longer than the timeout", async () => {
    const port = await serve(() => undefined);
    expect(await probe(port, { timeoutMs: 200 })).toEqual({
      result: "failure",
      output: `Get "http://127.0.0.1:${port}/healthz": timed out after 0.2s`,
    });
  });

  it("keeps at most 10 KiB of a large body", async () => {
    const port = await serve((_req, res) => res.end("y".repeat(1024 * 1024)));
    const outcome = await probe(port);
    expect(outcome.result).toBe("success");
    expect(outcome.output.length).toBe(MAX_PROBE_OUTPUT_BYTES);
  });

  it("stops when its signal aborts", async () => {
    const port = await serve(() => undefined);
    const controller = new AbortController();
    const pending = probe(port, { timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    expect((await pending).result).toBe("failure");
  });

  it("speaks HTTPS without verifying the certificate", async (context) => {
    const dir = await mkdtemp(join(tmpdir(), "k8ts-probe-tls-"));
    try {
      try {
        await promisify(execFile)("openssl", [
          "req",
          "-x509",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:prime256v1",
          "-nodes",
          "-keyout",
          join(dir, "key.pem"),
          "-out",
          join(dir, "cert.pem"),
          "-subj",
          "/CN=probe-test",
          "-days",
          "1",
        ]);
      } catch (err: unknown) {
        if (process.env.CI === "true") throw err;
        context.skip();
      }
      const server = https.createServer({
        key: await readFile(join(dir, "key.pem")),
        cert: await readFile(join(dir, "cert.pem")),
      });
      const port = await listen(server, (_req, res) => res.end("secure"));
      expect(await probe(port, { scheme: "HTTPS" })).toEqual({
        result: "success",
        output: "secure",
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
