import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { tcpProbe } from "./tcp-probe.js";

const servers: net.Server[] = [];

async function listen(): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((socket) => socket.end());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

describe("tcpProbe", () => {
  it("succeeds when a connection opens", async () => {
    const { port } = await listen();
    expect(await tcpProbe({ host: "127.0.0.1", port, timeoutMs: 1000 })).toEqual({
      result: "success",
      output: "",
    });
  });

  it("fails with the dial error when nothing listens", async () => {
    const { server, port } = await listen();
    await new Promise((resolve) => server.close(resolve));
    const outcome = await tcpProbe({ host: "127.0.0.1", port, timeoutMs: 1000 });
    expect(outcome.result).toBe("failure");
    expect(outcome.output).toMatch(new RegExp(`^dial tcp 127.0.0.1:${port}: .*ECONNREFUSED`));
  });

  it("stops when its signal aborts", async () => {
    const { port } = await listen();
    const controller = new AbortController();
    controller.abort();
    const outcome = await tcpProbe({
      host: "127.0.0.1",
      port,
      timeoutMs: 1000,
      signal: controller.signal,
    });
    expect(outcome).toEqual({ result: "failure", output: `dial tcp 127.0.0.1:${port}: cancelled` });
  });
});
