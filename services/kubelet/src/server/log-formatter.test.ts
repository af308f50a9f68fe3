import { describe, expect, it } from "vitest";
import type { LogEntry } from "@k8ts/sdk/gen/k8ts/runtime/v1/runtime.js";
import { LogFormatter, rfc3339Nano } from "./log-formatter.js";

const T = Date.UTC(2024, 4, 1, 10, 0, 0) * 1e6;

function entry(content: string, partial = false, timestamp = T): LogEntry {
  return { timestamp, stream: "stdout", content: Buffer.from(content), partial };
}

function text(chunks: Buffer[]): string {
  return Buffer.concat(chunks).toString("utf8");
}

describe("rfc3339Nano", () => {
  it("prints Go's RFC3339Nano in UTC, trailing zeros of the fraction dropped", () => {
    expect(rfc3339Nano(T)).toBe("2024-05-01T10:00:00Z");
    expect(rfc3339Nano(T + 500_000_000)).toBe("2024-05-01T10:00:00.5Z");
    expect(rfc3339Nano(T + 1_024)).toBe("2024-05-01T10:00:00.000001024Z");
    expect(rfc3339Nano(0)).toBe("1970-01-01T00:00:00Z");
  });
});

describe("LogFormatter", () => {
  it("ends each full entry with a newline, a partial one without", () => {
    const f = new LogFormatter({ timestamps: false });
    expect(text(f.format([entry("a"), entry("b", true), entry("c")]))).toBe("a\nbc\n");
  });

  it("prefixes every entry with its timestamp and a space", () => {
    const f = new LogFormatter({ timestamps: true });
    expect(text(f.format([entry("a", false, T + 5e8), entry("b", true), entry("c")]))).toBe(
      "2024-05-01T10:00:00.5Z a\n2024-05-01T10:00:00Z b2024-05-01T10:00:00Z c\n",
    );
  });

  it("stops after limitBytes, across calls, timestamps counted", () => {
    const f = new LogFormatter({ timestamps: false, limitBytes: 7 });
    expect(text(f.format([entry("abc"), entry("def")]))).toBe("abc\ndef");
    expect(f.exhausted).toBe(true);
    expect(f.format([entry("more")])).toEqual([]);
    const t = new LogFormatter({ timestamps: true, limitBytes: 10 });
    expect(text(t.format([entry("abc")]))).toBe("2024-05-01");
  });

  it("batches small entries and splits huge ones under 1 MiB per chunk", () => {
    const f = new LogFormatter({ timestamps: false });
    expect(f.format([entry("a"), entry("b"), entry("c")])).toHaveLength(1);
    const big = "x".repeat(3 * 1024 * 1024);
    const chunks = f.format([entry(big)]);
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(1024 * 1024);
    expect(text(chunks)).toBe(`${big}\n`);
  });
});
