import { describe, expect, it } from "vitest";
import { formatCidr, formatIpv4, isIpv6Cidr, parseIpv4, parseIpv4Cidr } from "./ipv4.js";

describe("ipv4", () => {
  it("parses and formats addresses", () => {
    expect(parseIpv4("10.244.1.5")).toBe(((10 * 256 + 244) * 256 + 1) * 256 + 5);
    expect(formatIpv4(parseIpv4("255.255.255.255") ?? 0)).toBe("255.255.255.255");
    for (const bad of ["10.0.0", "10.0.0.256", "a.b.c.d", "10.0.0.1.2", ""])
      expect(parseIpv4(bad), bad).toBeUndefined();
  });

  it("parses CIDRs, clearing host bits", () => {
    const c = parseIpv4Cidr("10.244.1.7/24");
    expect(c?.size).toBe(256);
    expect(c && formatCidr(c)).toBe("10.244.1.0/24");
    expect(parseIpv4Cidr("10.0.0.0/33")).toBeUndefined();
    expect(parseIpv4Cidr("10.0.0.0")).toBeUndefined();
    expect(parseIpv4Cidr("fd00::/64")).toBeUndefined();
  });

  it("recognises IPv6 CIDRs", () => {
    expect(isIpv6Cidr("fd00:10:244:1::/64")).toBe(true);
    expect(isIpv6Cidr("10.0.0.0/24")).toBe(false);
  });
});
