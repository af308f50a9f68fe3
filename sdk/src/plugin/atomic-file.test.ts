import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileAtomic } from "./atomic-file.js";

describe("writeFileAtomic", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "k8ts-atomic-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("creates and replaces the file, leaving no temporary file", async () => {
    const path = join(dir, "state.json");
    await writeFileAtomic(path, "one");
    await writeFileAtomic(path, new TextEncoder().encode("two"), { durable: true });
    expect(await readFile(path, "utf8")).toBe("two");
    expect(await readdir(dir)).toEqual(["state.json"]);
  });

  it("gives the file the mode asked for", async () => {
    const path = join(dir, "config");
    await writeFileAtomic(path, "token: x", { mode: 0o600 });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("removes the temporary file when the rename fails", async () => {
    // A non-empty directory in the way: the rename fails after the data was written.
    const path = join(dir, "blocked");
    await mkdir(join(path, "child"), { recursive: true });
    await expect(writeFileAtomic(path, "new")).rejects.toThrow();
    expect(await readdir(dir)).toEqual(["blocked"]);
  });
});
