// Column alignment as Go's text/tabwriter does it, which is what kubectl's tables and
// `describe` output look like: a column block is a run of adjacent lines that have a
// cell in that column (every cell but a line's last); each block is as wide as its
// widest cell plus padding, and blocks nest column by column.

export interface TabWriterOptions {
  /** Minimal width of a cell, padding included. */
  readonly minWidth: number;
  /** Spaces added to the widest cell of a block. */
  readonly padding: number;
}

/** kubectl's `get` tables: minwidth 6, padding 3. */
export const TABLE_LAYOUT: TabWriterOptions = { minWidth: 6, padding: 3 };
/** kubectl's `describe`: minwidth 0, padding 2. */
export const DESCRIBE_LAYOUT: TabWriterOptions = { minWidth: 0, padding: 2 };

function textWidth(text: string): number {
  // Code points, as Go counts runes.
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Aligns lines of cells; returns the lines as text (no trailing newline). The last cell of
 * each line is not padded, and trailing blanks (after empty last cells) are trimmed. `remembered` (kubectl's RememberWidths, for `get -w`): widths
 * of earlier calls by column index, only ever grown, so watched rows stay aligned.
 */
export function alignCells(
  lines: readonly (readonly string[])[],
  options: TabWriterOptions,
  remembered?: number[],
): string[] {
  const widths: number[][] = lines.map(() => []);
  const block = (line0: number, line1: number, column: number): void => {
    let line = line0;
    while (line < line1) {
      if (column >= (lines[line]?.length ?? 0) - 1) {
        line++;
        continue;
      }
      const start = line;
      let width = Math.max(options.minWidth, remembered?.[column] ?? 0);
      for (; line < line1; line++) {
        const cells = lines[line] ?? [];
        if (column >= cells.length - 1) break;
        width = Math.max(width, textWidth(cells[column] ?? "") + options.padding);
      }
      if (remembered !== undefined) remembered[column] = width;
      for (let i = start; i < line; i++) (widths[i] ?? [])[column] = width;
      block(start, line, column + 1);
    }
  };
  block(0, lines.length, 0);
  return lines.map((cells, i) =>
    cells
      .map((cell, j) => {
        if (j === cells.length - 1) return cell;
        const width = widths[i]?.[j] ?? 0;
        return cell + " ".repeat(Math.max(0, width - textWidth(cell)));
      })
      .join("")
      .trimEnd(),
  );
}
