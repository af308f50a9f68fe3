import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serviceIdentity } from "./service-identity.js";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-service-identity-"));
  await mkdir(join(dir, "dist"));
  await writeFile(join(dir, "dist", "main.js"), "");
  await writeFile(join(dir, "dist", "other.js"), "");
});

afterEach(() => rm(dir, { recursive: true, force: true }));

describe("serviceIdentity", () => {
  it("names the process after the executable whose script it runs", async () => {
    await writeFile(
      join(dir, "package.json"),
      JSON.stringify({
        name: "@k8ts/thing",
        version: "1.2.3",
        bin: { "k8ts-thing": "dist/main.js" },
      }),
    );
    expect(serviceIdentity(join(dir, "dist", "main.js"))).toEqual({
      serviceName: "k8ts-thing",
      serviceVersion: "1.2.3",
    });
    expect(serviceIdentity(join(dir, "dist", "other.js"))).toEqual({
      serviceName: "@k8ts/thing",
      serviceVersion: "1.2.3",
    });
  });

  it("falls back to the script's name", () => {
    expect(serviceIdentity(join(dir, "dist", "missing.js"))).toEqual({ serviceName: "missing" });
    expect(serviceIdentity(undefined)).toEqual({ serviceName: "node" });
  });
});
