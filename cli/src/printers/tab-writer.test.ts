import { describe, expect, it } from "vitest";
import { DESCRIBE_LAYOUT, TABLE_LAYOUT, alignCells } from "./tab-writer.js";

describe("alignCells (Go's text/tabwriter)", () => {
  it("pads every column but the last to its widest cell plus padding, at least minwidth", () => {
    const lines = alignCells(
      [
        ["NAME", "READY", "AGE"],
        ["a-long-name", "1/1", "5s"],
        ["b", "10/10", "3m12s"],
      ],
      TABLE_LAYOUT,
    );
    expect(lines).toEqual([
      "NAME          READY   AGE",
      "a-long-name   1/1     5s",
      "b             10/10   3m12s",
    ]);
  });

  it("ends a column block at a line without that column, as describe output needs", () => {
    const lines = alignCells(
      [["Name:", "web"], ["Namespace:", "default"], ["Containers:"], ["  Image:", "busybox"]],
      DESCRIBE_LAYOUT,
    );
    expect(lines).toEqual([
      "Name:       web",
      "Namespace:  default",
      "Containers:",
      "  Image:  busybox",
    ]);
  });

  it("keeps widths between calls when asked (rows printed by get -w stay aligned)", () => {
    const widths: number[] = [];
    const first = alignCells(
      [
        ["NAME", "STATUS", "AGE"],
        ["a-long-name", "Active", "1s"],
      ],
      TABLE_LAYOUT,
      widths,
    );
    const later = alignCells([["b", "Terminating", "2s"]], TABLE_LAYOUT, widths);
    expect(first).toEqual(["NAME          STATUS   AGE", "a-long-name   Active   1s"]);
    expect(later).toEqual(["b             Terminating   2s"]);
  });
});
