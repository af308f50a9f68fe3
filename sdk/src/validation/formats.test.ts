import { describe, expect, it } from "vitest";
import { FORMATS } from "./formats.js";

const check = (format: string, value: string): string | undefined => {
  const f = FORMATS[format];
  if (f === undefined) throw new Error(`no format ${format}`);
  return f(value);
};

describe("name and value formats", () => {
  it.each([
    ["dns1123-label", "web-1", true],
    ["dns1123-label", "Web", false],
    ["dns1123-label", "a".repeat(64), false],
    ["dns1123-label", "-web", false],
    ["dns1123-subdomain", "web.example.com", true],
    ["dns1123-subdomain", "web_app", false],
    ["dns1035-label", "web", true],
    ["dns1035-label", "1web", false],
    ["iana-svc-name", "http", true],
    ["iana-svc-name", "http-metrics-long", false],
    ["iana-svc-name", "8080", false],
    ["iana-svc-name", "a--b", false],
    ["c-identifier", "MY_VAR", true],
    ["c-identifier", "1VAR", false],
    ["env-var-name", "my.var-1", true],
    ["qualified-name", "app.kubernetes.io/name", true],
    ["qualified-name", "app", true],
    ["qualified-name", "/name", false],
    ["qualified-name", "a/b/c", false],
    ["qualified-name", "bad key!", false],
    ["label-value", "", true],
    ["label-value", "v1.2_x", true],
    ["label-value", "not ok!", false],
    ["ip", "10.1.2.3", true],
    ["ip", "10.1.2.256", false],
    ["ip", "01.1.2.3", false],
    ["ip", "2001:db8::1", true],
    ["ip", "::ffff:10.0.0.1", true],
    ["ip", "1::2::3", false],
    ["cidr", "10.0.0.0/8", true],
    ["cidr", "10.0.0.0/33", false],
    ["cidr", "fd00::/64", true],
    ["duration", "1h30m", true],
    ["duration", "90", false],
  ])("%s %j valid=%s", (format, value, valid) => {
    expect(check(format, value) === undefined).toBe(valid);
  });
});
