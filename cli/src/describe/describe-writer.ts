// Builds `describe` output as kubectl's PrefixWriter does: lines at an indent level, with
// tab-separated cells aligned by a tab writer (minwidth 0, padding 2).
import { DESCRIBE_LAYOUT, alignCells } from "../printers/tab-writer.js";

export class DescribeWriter {
  private readonly lines: string[][] = [];

  /** One line at `level` (two spaces each); cells are aligned with neighbouring lines. */
  line(level: number, ...cells: string[]): void {
    const [first = "", ...rest] = cells;
    this.lines.push(["  ".repeat(level) + first, ...rest]);
  }

  /** A `Label:` with a list of values, one per line, aligned under the first. */
  list(level: number, label: string, values: readonly string[]): void {
    if (values.length === 0) {
      this.line(level, label, "<none>");
      return;
    }
    values.forEach((v, i) => this.line(level, i === 0 ? label : "", v));
  }

  /** A table: header, dashes, rows. */
  table(level: number, headers: readonly string[], rows: readonly (readonly string[])[]): void {
    this.line(level, ...headers);
    this.line(level, ...headers.map((h) => "-".repeat(h.length)));
    for (const row of rows) this.line(level, ...row);
  }

  blank(): void {
    this.lines.push([""]);
  }

  text(): string {
    return alignCells(this.lines, DESCRIBE_LAYOUT)
      .map((l) => `${l}\n`)
      .join("");
  }
}
