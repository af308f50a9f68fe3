// grpc.health.v1.Health on a real grpc-js server, called by a grpc-js client.
import {
  Client,
  Server,
  ServerCredentials,
  credentials,
  status,
  type ClientReadableStream,
  type ServiceError,
} from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addHealth, type HealthReporter } from "./health.js";
import {
  HealthService,
  type HealthCheckResponse,
  type HealthListResponse,
  type ServingStatus,
} from "./health-codec.js";

const CALL_TIMEOUT_MS = 10_000;

describe("health service", () => {
  let server: Server;
  let client: Client;
  let health: HealthReporter;
  let stopped = false;

  beforeEach(async () => {
    server = new Server();
    health = addHealth(server);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => {
        if (error === null) resolve(bound);
        else reject(error);
      });
    });
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    stopped = false;
  });

  afterEach(async () => {
    client.close();
    if (!stopped) {
      health.shutdown();
      await shutdown();
    }
  });

  function shutdown(): Promise<void> {
    stopped = true;
    return new Promise((resolve, reject) => {
      server.tryShutdown((error) => {
        if (error === undefined) resolve();
        else reject(error);
      });
    });
  }

  function check(service: string): Promise<ServingStatus> {
    const { path, requestSerialize, responseDeserialize } = HealthService.check;
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        path,
        requestSerialize,
        responseDeserialize,
        { service },
        { deadline: Date.now() + CALL_TIMEOUT_MS },
        (error: ServiceError | null, response?: HealthCheckResponse) => {
          if (error !== null) reject(error);
          else resolve(response?.status ?? "UNKNOWN");
        },
      );
    });
  }

  function list(): Promise<HealthListResponse> {
    const { path, requestSerialize, responseDeserialize } = HealthService.list;
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        path,
        requestSerialize,
        responseDeserialize,
        {},
        { deadline: Date.now() + CALL_TIMEOUT_MS },
        (error: ServiceError | null, response?: HealthListResponse) => {
          if (error !== null) reject(error);
          else if (response === undefined) reject(new Error("no response"));
          else resolve(response);
        },
      );
    });
  }

  /** A Watch stream and a function returning its next status (or "end"). */
  function watch(service: string): {
    call: ClientReadableStream<HealthCheckResponse>;
    next: () => Promise<ServingStatus | "end">;
  } {
    const { path, requestSerialize, responseDeserialize } = HealthService.watch;
    const call = client.makeServerStreamRequest(path, requestSerialize, responseDeserialize, {
      service,
    });
    const messages = call[Symbol.asyncIterator]();
    const next = async (): Promise<ServingStatus | "end"> => {
      const result = await messages.next();
      if (result.done === true) return "end";
      return (result.value as HealthCheckResponse).status;
    };
    return { call, next };
  }

  it("checks the server and its services", async () => {
    expect(await check("")).toBe("SERVING");
    await expect(check("k8ts.api.v1.Pods")).rejects.toMatchObject({ code: status.NOT_FOUND });
    health.setStatus("k8ts.api.v1.Pods", "NOT_SERVING");
    expect(await check("k8ts.api.v1.Pods")).toBe("NOT_SERVING");
    health.clearStatus("k8ts.api.v1.Pods");
    await expect(check("k8ts.api.v1.Pods")).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it("lists every status", async () => {
    health.setStatus("k8ts.api.v1.Pods", "NOT_SERVING");
    expect((await list()).statuses).toEqual(
      new Map([
        ["", { status: "SERVING" }],
        ["k8ts.api.v1.Pods", { status: "NOT_SERVING" }],
      ]),
    );
  });

  it("watches: the current status, then each change once", async () => {
    const { call, next } = watch("");
    expect(await next()).toBe("SERVING");
    health.setStatus("", "NOT_SERVING");
    health.setStatus("", "NOT_SERVING");
    health.setStatus("", "SERVING");
    expect(await next()).toBe("NOT_SERVING");
    expect(await next()).toBe("SERVING");
    call.cancel();
  });

  it("watches an unknown service until it becomes known, and after it is cleared", async () => {
    const { call, next } = watch("k8ts.api.v1.Pods");
    expect(await next()).toBe("SERVICE_UNKNOWN");
    health.setStatus("k8ts.api.v1.Pods", "SERVING");
    expect(await next()).toBe("SERVING");
    health.clearStatus("k8ts.api.v1.Pods");
    expect(await next()).toBe("SERVICE_UNKNOWN");
    call.cancel();
  });

  it("shutdown reports NOT_SERVING, ends Watch streams and lets tryShutdown finish", async () => {
    const watches = [watch(""), watch("")];
    for (const { next } of watches) expect(await next()).toBe("SERVING");
    health.shutdown();
    for (const { next } of watches) {
      expect(await next()).toBe("NOT_SERVING");
      expect(await next()).toBe("end");
    }
    await shutdown();
  });
});
