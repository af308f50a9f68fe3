import { describe, expect, it } from "vitest";
import { NO_NODES_MESSAGE, fitErrorMessage } from "./fit-error.js";

describe("fitErrorMessage", () => {
  it("counts reasons per node and sorts '<count> <reason>' as strings, as kube-scheduler", () => {
    const taint = "node(s) had untolerated taint {dedicated: gpu}";
    expect(
      fitErrorMessage(5, [
        ["Insufficient memory"],
        [taint],
        ["Insufficient memory"],
        [taint],
        ["Insufficient memory"],
      ]),
    ).toBe(
      "0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, 3 Insufficient memory.",
    );
  });

  it("counts every reason of a node", () => {
    expect(
      fitErrorMessage(2, [["Insufficient cpu", "Insufficient memory"], ["Insufficient cpu"]]),
    ).toBe("0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu.");
  });

  it("sorts by the string, not by the count (10 before 9)", () => {
    const reasons = [
      ...Array.from({ length: 10 }, () => ["b"]),
      ...Array.from({ length: 9 }, () => ["a"]),
    ];
    expect(fitErrorMessage(19, reasons)).toBe("0/19 nodes are available: 10 b, 9 a.");
  });

  it("reports PreFilter reasons instead of per-node ones", () => {
    expect(fitErrorMessage(3, [["x"]], ["pod has unbound claims"])).toBe(
      "0/3 nodes are available: pod has unbound claims.",
    );
  });

  it("says so when there are no nodes", () => {
    expect(fitErrorMessage(0, [])).toBe(NO_NODES_MESSAGE);
  });
});
