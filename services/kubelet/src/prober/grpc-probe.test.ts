import {
  Server,
  ServerCredentials,
  status as grpcStatus,
  type sendUnaryData,
  type ServerWritableStream,
} from "@grpc/grpc-js";
import { addHealth, HealthService, type HealthReporter } from "@k8ts/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { grpcProbe } from "./grpc-probe.js";

const servers: Server[] = [];

async function start(setup: (server: Server) => void): Promise<number> {
  const server = new Server();
  setup(server);
  servers.push(server);
  return new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (err, port) =>
      err === null ? resolve(port) : reject(err),
    ),
  );
}

async function withHealth(): Promise<{ port: number; health: HealthReporter }> {
  let health: HealthReporter | undefined;
  const port = await start((server) => {
    health = addHealth(server, { "": "SERVING", "shop.Cart": "SERVING" });
  });
  if (health === undefined) throw new Error("health not registered");
  return { port, health };
}

afterEach(() => {
  for (const server of servers.splice(0)) server.forceShutdown();
});

const probe = (port: number, service = "", timeoutMs = 2000) =>
  grpcProbe({ host: "127.0.0.1", port, service, timeoutMs });

describe("grpcProbe", () => {
  it("succeeds when the server or the named service is SERVING", async () => {
    const { port } = await withHealth();
    expect(await probe(port)).toEqual({ result: "success", output: "service healthy" });
    expect((await probe(port, "shop.Cart")).result).toBe("success");
  });

  it("fails on NOT_SERVING and on an unknown service", async () => {
    const { port, health } = await withHealth();
    health.setStatus("shop.Cart", "NOT_SERVING");
    expect(await probe(port, "shop.Cart")).toEqual({
      result: "failure",
      output: 'service unhealthy (responded with "NOT_SERVING")',
    });
    const unknown = await probe(port, "shop.Nothing");
    expect(unknown.result).toBe("failure");
    expect(unknown.output).toMatch(/^error: health rpc probe failed: code = NOT_FOUND/);
  });

  it("fails when the server does not implement the health protocol", async () => {
    const port = await start(() => undefined);
    const outcome = await probe(port);
    expect(outcome.result).toBe("failure");
    expect(outcome.output).toMatch(/does not implement the grpc health protocol/);
  });

  it("fails when nothing listens", async () => {
    const port = await start(() => undefined);
    const server = servers.pop();
    server?.forceShutdown();
    const outcome = await probe(port);
    expect(outcome.result).toBe("failure");
    expect(outcome.output).toMatch(`error: failed to connect service at "127.0.0.1:${port}"`);
  });

  it("fails when the check takes longer than the timeout", async () => {
    const port = await start((server) =>
      server.addService(HealthService, {
        check: () => undefined,
        list: (_call: unknown, callback: sendUnaryData<unknown>) =>
          callback({ code: grpcStatus.UNIMPLEMENTED }),
        watch: (call: ServerWritableStream<unknown, unknown>) => call.end(),
      }),
    );
    expect(await probe(port, "", 300)).toEqual({
      result: "failure",
      output: "timeout: health rpc did not complete within 0.3s",
    });
  });
});
