import { describe, expect, it } from "vitest";
import { ContainerLog, MAX_LINE_BYTES } from "./container-log.js";

const text = (log: ContainerLog): string[] =>
  log.from(0).map((e) => `${e.stream}${e.partial ? " P" : ""} ${e.content}`);

describe("container log", () => {
  it("cuts output into lines per stream and keeps unfinished lines back", () => {
    const log = new ContainerLog();
    log.write("stdout", "a\nb", 10);
    log.write("stderr", "e\n", 11);
    log.write("stdout", "c\n", 12);
    expect(text(log)).toEqual(["stdout a", "stderr e", "stdout bc"]);
    log.write("stdout", "no newline", 13);
    expect(log.pendingOutput()).toEqual({ stdout: "no newline", stderr: "" });
    log.end(14);
    expect(text(log)).toEqual(["stdout a", "stderr e", "stdout bc", "stdout P no newline"]);
    expect(log.hasEnded).toBe(true);
  });

  it("gives entries strictly increasing times", () => {
    const log = new ContainerLog();
    log.write("stdout", "1\n2\n3\n", 100);
    log.write("stdout", "4\n", 50);
    expect(log.from(0).map((e) => e.timeUs)).toEqual([100, 101, 102, 103]);
  });

  it("keeps only the last entries", () => {
    const log = new ContainerLog([], {}, 3);
    for (let i = 1; i <= 5; i++) log.write("stdout", `${i}\n`, i);
    expect(text(log)).toEqual(["stdout 3", "stdout 4", "stdout 5"]);
    expect(log.lastSeq).toBe(5);
    expect(log.from(1).map((e) => e.seq)).toEqual([3, 4, 5]);
    expect(log.from(5).map((e) => e.content)).toEqual(["5"]);
  });

  it("starts readers at tail lines and since times", () => {
    const log = new ContainerLog();
    for (let i = 1; i <= 5; i++) log.write("stdout", `${i}\n`, i * 10);
    expect(log.startSeq({})).toBe(1);
    expect(log.startSeq({ tailLines: 2 })).toBe(4);
    expect(log.startSeq({ tailLines: 0 })).toBe(6);
    expect(log.startSeq({ sinceUs: 25 })).toBe(3);
    expect(log.startSeq({ sinceUs: 25, tailLines: 1 })).toBe(5);
    expect(log.startSeq({ sinceUs: 99 })).toBe(6);
  });

  it("cuts lines longer than the limit into partial entries", () => {
    const log = new ContainerLog();
    log.write("stdout", `${"x".repeat(MAX_LINE_BYTES + 10)}\n`, 1);
    const entries = log.from(0);
    expect(entries.map((e) => [e.content.length, e.partial])).toEqual([
      [MAX_LINE_BYTES, true],
      [10, false],
    ]);
  });

  it("tells subscribers about new entries and the end", () => {
    const log = new ContainerLog();
    let calls = 0;
    const unsubscribe = log.subscribe(() => calls++);
    log.write("stdout", "a\n", 1);
    log.end(2);
    unsubscribe();
    log.close();
    expect(calls).toBe(2);
  });

  it("adopts persisted entries and unfinished output", () => {
    const log = new ContainerLog(
      [{ timeUs: 5, stream: "stdout", partial: false, content: "old" }],
      { stdout: "half" },
    );
    log.write("stdout", " line\n", 6);
    expect(text(log)).toEqual(["stdout old", "stdout half line"]);
  });
});
