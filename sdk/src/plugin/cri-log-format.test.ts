import { describe, expect, it } from "vitest";
import { formatLogLine, formatRfc3339Nano, parseLogLine } from "./cri-log-format.js";

describe("CRI log line format", () => {
  const t = Date.UTC(2026, 10, 22, 7, 34, 32) * 1000;

  it("formats times as Go's RFC3339Nano in UTC", () => {
    expect(formatRfc3339Nano(t + 123_456)).toBe("2026-11-22T07:34:32.123456Z");
    expect(formatRfc3339Nano(t + 120_000)).toBe("2026-11-22T07:34:32.12Z");
    expect(formatRfc3339Nano(t)).toBe("2026-11-22T07:34:32Z");
  });

  it("writes and reads full and partial lines", () => {
    const full = {
      timeUs: t + 1,
      stream: "stdout",
      partial: false,
      content: "hello world",
    } as const;
    const part = { timeUs: t + 2, stream: "stderr", partial: true, content: "" } as const;
    expect(formatLogLine(full)).toBe("2026-11-22T07:34:32.000001Z stdout F hello world");
    expect(formatLogLine(part)).toBe("2026-11-22T07:34:32.000002Z stderr P ");
    expect(parseLogLine(formatLogLine(full))).toEqual(full);
    expect(parseLogLine(formatLogLine(part))).toEqual(part);
  });

  it("reads lines other runtimes write: nanoseconds, offsets, no content", () => {
    expect(parseLogLine("2016-10-06T00:17:09.669794202Z stdout F log content 1")).toEqual({
      timeUs: Date.UTC(2016, 9, 6, 0, 17, 9) * 1000 + 669_794,
      stream: "stdout",
      partial: false,
      content: "log content 1",
    });
    expect(parseLogLine("2016-10-06T02:17:09.5+02:00 stderr P")?.timeUs).toBe(
      Date.UTC(2016, 9, 6, 0, 17, 9) * 1000 + 500_000,
    );
    expect(parseLogLine("not a log line")).toBeUndefined();
    expect(parseLogLine("2016-10-06T00:17:09Z stdin F x")).toBeUndefined();
  });
});
