import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metadata } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkBearer,
  readTokenFile,
  TokenFileError,
  UnauthenticatedError,
} from "./client-tokens.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-kubelet-tokens-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function md(authorization?: string): Metadata {
  const m = new Metadata();
  if (authorization !== undefined) m.set("authorization", authorization);
  return m;
}

describe("readTokenFile", () => {
  it("reads one token per line, skipping blanks and comments", async () => {
    const file = join(dir, "tokens");
    await writeFile(file, "# apiserver\n  abc  \n\ndef\n");
    expect([...(await readTokenFile(file))]).toEqual(["abc", "def"]);
  });

  it("refuses a missing or empty file", async () => {
    await expect(readTokenFile(join(dir, "missing"))).rejects.toBeInstanceOf(TokenFileError);
    const empty = join(dir, "empty");
    await writeFile(empty, "# nothing\n");
    await expect(readTokenFile(empty)).rejects.toThrow("holds no token");
  });
});

describe("checkBearer", () => {
  const tokens = new Set(["abc"]);
  it("accepts anyone without tokens, and a listed bearer token", () => {
    expect(() => checkBearer(md(), undefined)).not.toThrow();
    expect(() => checkBearer(md("Bearer abc"), tokens)).not.toThrow();
  });

  it("refuses a missing, unknown or malformed token", () => {
    for (const header of [undefined, "Bearer xyz", "Basic abc", "Bearer"])
      expect(() => checkBearer(md(header), tokens)).toThrow(UnauthenticatedError);
  });
});
