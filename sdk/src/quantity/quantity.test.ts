import { describe, expect, it } from "vitest";
import {
  QuantityError,
  canonicalQuantity,
  compareQuantities,
  parseQuantity,
  quantityValue,
} from "./quantity.js";

describe("quantities", () => {
  it.each([
    ["500m", "500m"],
    ["0.5", "500m"],
    ["1.5", "1500m"],
    ["1000m", "1"],
    ["2", "2"],
    [2, "2"],
    [0.25, "250m"],
    ["256Mi", "256Mi"],
    ["1.5Gi", "1536Mi"],
    ["1024Ki", "1Mi"],
    ["1023Ki", "1023Ki"],
    ["1Gi", "1Gi"],
    ["0.5Ki", "512"],
    ["1.1Ki", "1126400m"],
    ["1e3", "1e3"],
    ["1E6", "1e6"],
    ["1500e-3", "1500e-3"],
    ["1k", "1k"],
    ["1000", "1k"],
    ["12M", "12M"],
    ["0", "0"],
    ["0Mi", "0"],
    ["-1", "-1"],
    ["+3", "3"],
    ["0.0001", "1m"],
    [".5", "500m"],
    ["5.", "5"],
  ])("%s canonicalizes to %s", (input, expected) => {
    expect(canonicalQuantity(input)).toBe(expected);
  });

  it("keeps exact values", () => {
    expect(parseQuantity("1.5Gi").milli).toBe(1536n * 1024n * 1024n * 1000n);
    expect(parseQuantity("100m").milli).toBe(100n);
    expect(quantityValue(parseQuantity("100m"))).toBe(1n);
    expect(quantityValue(parseQuantity("2Ki"))).toBe(2048n);
    expect(compareQuantities(parseQuantity("1Gi"), parseQuantity("1024Mi"))).toBe(0);
    expect(compareQuantities(parseQuantity("1G"), parseQuantity("1Gi"))).toBe(-1);
  });

  it("is stable: canonical text parses back to the same value and text", () => {
    for (const s of ["1.5Gi", "0.5", "1.1Ki", "1e3", "7Ei", "3P", "1500e-3"]) {
      const once = canonicalQuantity(s);
      expect(canonicalQuantity(once)).toBe(once);
      expect(parseQuantity(once).milli).toBe(parseQuantity(s).milli);
    }
  });

  it.each(["12 parsecs", "", "Mi", "1.2.3", "1Kb", "1ki", "1e", "1e999", "--1", " 1", "1 "])(
    "rejects %j naming the input",
    (input) => {
      expect(() => parseQuantity(input)).toThrow(QuantityError);
      expect(() => parseQuantity(input)).toThrow(`"${input}" is not a quantity`);
    },
  );
});
