import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ConfigFileError,
  ContextNotFoundError,
  configPath,
  deleteContext,
  loadConfig,
  saveConfig,
  setContext,
  useContext,
  type CliConfig,
} from "./config-file.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-config-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const twoContexts: CliConfig = {
  currentContext: "test",
  contexts: [
    { name: "test", server: "127.0.0.1:6443", namespace: "blog" },
    { name: "prod", server: "10.0.0.5:6443", token: "s3cret" },
  ],
};

describe("config file", () => {
  it("is $K8TS_CONFIG, else ~/.k8ts/config", () => {
    expect(configPath({ K8TS_CONFIG: "/x/config" })).toBe("/x/config");
    expect(configPath({})).toMatch(/\.k8ts\/config$/);
  });

  it("reads a missing file as an empty config", async () => {
    expect(await loadConfig(join(dir, "none"))).toEqual({ contexts: [] });
  });

  it("saves atomically with mode 0600 and reads back the same config", async () => {
    const path = join(dir, "sub", "config");
    await saveConfig(twoContexts, path);
    expect(await loadConfig(path)).toEqual(twoContexts);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, "sub"))).mode & 0o777).toBe(0o700);
    // kubectl's spelling, and no temp file left behind.
    expect(await readFile(path, "utf8")).toContain("current-context: test");
    await saveConfig(useContext(twoContexts, "prod"), path);
    expect(await readdir(join(dir, "sub"))).toEqual(["config"]);
    expect((await loadConfig(path)).currentContext).toBe("prod");
  });

  it("names the bad field of a malformed file", async () => {
    const path = join(dir, "config");
    await writeFile(path, "contexts:\n  - name: a\n    server: 5\n");
    await expect(loadConfig(path)).rejects.toThrow(ConfigFileError);
    await expect(loadConfig(path)).rejects.toThrow("contexts[0].server: expected a string");
    await writeFile(path, "contexts: [{name: a, server: x}, {name: a, server: y}]\n");
    await expect(loadConfig(path)).rejects.toThrow('contexts[1].name: Duplicate value: "a"');
  });
});

describe("editing contexts", () => {
  it("set-context adds, or changes only what is given", () => {
    const added = setContext(twoContexts, "dev", { server: "127.0.0.1:7000" });
    expect(added.contexts.map((c) => c.name)).toEqual(["test", "prod", "dev"]);
    expect(added.currentContext).toBe("test");
    const changed = setContext(twoContexts, "prod", { server: "10.0.0.6:6443" });
    expect(changed.contexts[1]).toEqual({ name: "prod", server: "10.0.0.6:6443", token: "s3cret" });
    const cleared = setContext(twoContexts, "prod", { server: "10.0.0.6:6443", token: "" });
    expect(cleared.contexts[1]).toEqual({ name: "prod", server: "10.0.0.6:6443" });
  });

  it("use-context and delete-context refuse unknown names; deleting the current one unsets it", () => {
    expect(() => useContext(twoContexts, "nope")).toThrow(ContextNotFoundError);
    expect(() => deleteContext(twoContexts, "nope")).toThrow('context "nope" does not exist');
    expect(deleteContext(twoContexts, "test")).toEqual({ contexts: [twoContexts.contexts[1]] });
    expect(deleteContext(twoContexts, "prod").currentContext).toBe("test");
  });
});
