import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../logging/create-logger.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StateJournal } from "./state-journal.js";

const log = createLogger({ component: "state-journal-test", level: "silent" });
const HEADER = { version: 2, nodeName: "node-a" };
let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "k8ts-journal-"));
  path = join(dir, "state.jsonl");
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("state journal", () => {
  it("reads back the header and the changes in order", async () => {
    const { journal, contents } = await StateJournal.open(path, HEADER, log);
    expect(contents).toBeUndefined();
    await journal.snapshot([{ put: "a" }]);
    await journal.append([{ put: "b" }, { del: "a" }]);
    await journal.append([{ put: "c" }]);
    await journal.close();
    const again = await StateJournal.open(path, HEADER, log);
    expect(again.contents?.header).toEqual(HEADER);
    expect(again.contents?.lines).toEqual([
      { at: "line 2", value: { put: "a" } },
      { at: "line 3", value: { put: "b" } },
      { at: "line 4", value: { del: "a" } },
      { at: "line 5", value: { put: "c" } },
    ]);
  });

  it("ignores a torn last line, and refuses a bad line elsewhere", async () => {
    await writeFile(path, `${JSON.stringify(HEADER)}\n{"put":"a"}\n{"put":`);
    const torn = await StateJournal.open(path, HEADER, log);
    expect(torn.contents?.lines.map((l) => l.value)).toEqual([{ put: "a" }]);
    await writeFile(path, `${JSON.stringify(HEADER)}\n{"put":\n{"put":"a"}\n`);
    await expect(StateJournal.open(path, HEADER, log)).rejects.toThrow(/line 2 is not JSON/);
  });

  it("asks for a snapshot once it holds twice the live records and some slack", async () => {
    const { journal } = await StateJournal.open(path, HEADER, log);
    await journal.snapshot([{ put: "a" }, { put: "b" }]);
    expect(journal.needsSnapshot(1000, 2)).toBe(false);
    expect(journal.needsSnapshot(1003, 2)).toBe(true);
    await journal.append(Array.from({ length: 1000 }, (_, i) => ({ put: `x${i}` })));
    expect(journal.needsSnapshot(1, 2)).toBe(false);
    expect(journal.needsSnapshot(2, 2)).toBe(true);
    await journal.snapshot([{ put: "a" }]);
    expect(journal.needsSnapshot(1, 1)).toBe(false);
    await journal.close();
    expect((await readFile(path, "utf8")).split("\n")).toEqual([
      JSON.stringify(HEADER),
      '{"put":"a"}',
      "",
    ]);
  });
});
