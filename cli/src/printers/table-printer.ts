// `k8ts get` tables: the kind's columns, NAMESPACE first with -A, the wide columns with
// `-o wide`, LABELS with --show-labels, aligned as kubectl aligns them.
import type { KindInfo } from "@k8ts/sdk";
import type { ApiObject } from "../kinds/resource-names.js";
import { singularRef } from "../kinds/resource-names.js";
import { tableFor, type KindTable } from "./kind-tables.js";
import { TABLE_LAYOUT, alignCells } from "./tab-writer.js";
import { formatLabels } from "./value-format.js";

export interface TableOptions {
  readonly wide: boolean;
  /** Adds the NAMESPACE column (with -A, for namespaced kinds). */
  readonly withNamespace: boolean;
  readonly showLabels: boolean;
  readonly noHeaders: boolean;
  /** NAME as `kind/name`, when several kinds are printed together. */
  readonly kindPrefix: boolean;
}

export class TablePrinter {
  private readonly table: KindTable;
  /** Column widths so far: rows printed later (get -w) line up with earlier ones. */
  private readonly widths: number[] = [];
  private headerPrinted = false;

  constructor(
    private readonly kind: KindInfo,
    private readonly options: TableOptions,
  ) {
    this.table = tableFor(kind);
  }

  headers(): string[] {
    const o = this.options;
    return [
      ...(o.withNamespace ? ["NAMESPACE"] : []),
      ...this.table.headers,
      ...(o.wide ? this.table.wideHeaders : []),
      ...(o.showLabels ? ["LABELS"] : []),
    ];
  }

  row(object: ApiObject, now: Date): string[] {
    const o = this.options;
    const plain = object.metadata?.name ?? "";
    const context = { name: o.kindPrefix ? `${singularRef(this.kind)}/${plain}` : plain, now };
    return [
      ...(o.withNamespace ? [object.metadata?.namespace ?? ""] : []),
      ...this.table.cells(object, context),
      ...(o.wide ? this.table.wideCells(object, context) : []),
      ...(o.showLabels ? [formatLabels(object.metadata?.labels)] : []),
    ];
  }

  /**
   * Lines for `objects` (each ending in "\n"), with the header the first time unless
   * --no-headers. Widths only grow from one call to the next, as kubectl's watch output.
   */
  print(objects: readonly ApiObject[], now: Date): string {
    const lines: string[][] = [];
    if (!this.headerPrinted && !this.options.noHeaders) lines.push(this.headers());
    this.headerPrinted = true;
    for (const o of objects) lines.push(this.row(o, now));
    return alignCells(lines, TABLE_LAYOUT, this.widths)
      .map((l) => `${l}\n`)
      .join("");
  }
}
