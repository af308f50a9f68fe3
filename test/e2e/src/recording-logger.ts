// A Logger that keeps what it is told, so tests can assert that failures were reported
// (and print them when an assertion fails).
import type { Logger } from "@k8ts/sdk";

export interface LogRecord {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

export class RecordingLogger implements Logger {
  readonly records: LogRecord[] = [];

  debug = (fields: Record<string, unknown>, message: string): void =>
    this.add("debug", fields, message);
  info = (fields: Record<string, unknown>, message: string): void =>
    this.add("info", fields, message);
  warn = (fields: Record<string, unknown>, message: string): void =>
    this.add("warn", fields, message);
  error = (fields: Record<string, unknown>, message: string): void =>
    this.add("error", fields, message);

  private add(level: LogRecord["level"], fields: Record<string, unknown>, message: string): void {
    this.records.push({ level, message, fields });
    if (this.records.length > 10_000) this.records.splice(0, 5_000);
  }

  /** Records at `level` whose message contains `text`. */
  find(level: LogRecord["level"], text: string): LogRecord[] {
    return this.records.filter((r) => r.level === level && r.message.includes(text));
  }
}
