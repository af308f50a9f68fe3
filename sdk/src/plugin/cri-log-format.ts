// The on-disk line format of container logs every k8ts runtime writes, as CRI runtimes do
// (containerd, CRI-O): `TIMESTAMP STREAM TAG CONTENT`, e.g.
//   2026-11-22T07:34:32.123456789Z stdout F hello
// TIMESTAMP is RFC 3339 with up to nine fractional digits (Go's RFC3339Nano: trailing
// zeros dropped), STREAM is stdout or stderr, TAG is F for a full line or P for a part of
// a line that continues in the next entry of the same stream, and CONTENT runs to the end
// of the line without its newline.

export type LogStream = "stdout" | "stderr";

/** One log entry; times are integer microseconds since the Unix epoch. */
export interface LogLine {
  readonly timeUs: number;
  readonly stream: LogStream;
  readonly partial: boolean;
  readonly content: string;
}

/** RFC3339Nano (UTC) of a time in microseconds, as Go formats it. */
export function formatRfc3339Nano(timeUs: number): string {
  const seconds = Math.floor(timeUs / 1e6);
  const micros = timeUs - seconds * 1e6;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  const fraction = String(micros * 1000)
    .padStart(9, "0")
    .replace(/0+$/, "");
  return `${base}${fraction === "" ? "" : `.${fraction}`}Z`;
}

/** The line for `line`, without its newline. */
export function formatLogLine(line: LogLine): string {
  return `${formatRfc3339Nano(line.timeUs)} ${line.stream} ${line.partial ? "P" : "F"} ${line.content}`;
}

const LINE =
  /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d) (stdout|stderr) ([FP])(?: (.*))?$/s;

/** Parses one line (without its newline); undefined when it is not in the format. */
export function parseLogLine(text: string): LogLine | undefined {
  const m = LINE.exec(text);
  if (m === null) return undefined;
  const ms = Date.parse(`${m[1] ?? ""}${m[3] ?? ""}`);
  if (Number.isNaN(ms)) return undefined;
  const micros = Math.floor(Number((m[2] ?? "").padEnd(9, "0")) / 1000);
  return {
    timeUs: ms * 1000 + micros,
    stream: m[4] === "stderr" ? "stderr" : "stdout",
    partial: m[5] === "P",
    content: m[6] ?? "",
  };
}
