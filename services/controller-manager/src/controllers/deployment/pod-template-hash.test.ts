import { describe, expect, it } from "vitest";
import { PodTemplateSpec } from "@k8ts/sdk/gen/k8ts/api/v1/pod.js";
import {
  canonicalEncoding,
  fnv32a,
  podTemplateHash,
  safeEncodeString,
  templatesEqualIgnoringHash,
} from "./pod-template-hash.js";

const template = (image = "busybox:1", labels: Record<string, string> = { app: "web" }) =>
  PodTemplateSpec.fromPartial({
    metadata: { labels },
    spec: { restartPolicy: "Always", containers: [{ name: "main", image }] },
  });

describe("canonicalEncoding", () => {
  it("sorts keys, leaves out undefined and writes dates as RFC 3339", () => {
    expect(canonicalEncoding({ b: 1, a: [true, "x"], c: undefined })).toBe(
      '{"a":[true,"x"],"b":1}',
    );
    expect(canonicalEncoding({ t: new Date(0) })).toBe('{"t":"1970-01-01T00:00:00.000Z"}');
  });
});

describe("the pod-template-hash", () => {
  it("uses FNV-32a", () => {
    expect(fnv32a(Buffer.from(""))).toBe(0x811c9dc5);
    expect(fnv32a(Buffer.from("a"))).toBe(0xe40c292c);
    expect(fnv32a(Buffer.from("foobar"))).toBe(0xbf9cf968);
  });

  it("maps characters into Kubernetes' safe alphabet", () => {
    // '0' is 48 -> 48 % 27 = 21 -> "4"; '9' is 57 -> 3 -> "f".
    expect(safeEncodeString("09")).toBe("4f");
    expect(safeEncodeString("1234567890")).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });

  it("is deterministic and independent of map key order", () => {
    const a = template("busybox:1", { app: "web", tier: "front" });
    const b = template("busybox:1", { tier: "front", app: "web" });
    expect(podTemplateHash(a, undefined)).toBe(podTemplateHash(b, undefined));
    expect(podTemplateHash(a, undefined)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });

  it("changes with the template and with the collision count", () => {
    const h = podTemplateHash(template(), undefined);
    expect(podTemplateHash(template("busybox:2"), undefined)).not.toBe(h);
    expect(podTemplateHash(template(), 0)).not.toBe(h);
    expect(podTemplateHash(template(), 1)).not.toBe(podTemplateHash(template(), 0));
  });

  it("hashes a template built in code like the same template decoded from the wire", () => {
    const built = template();
    const decoded = PodTemplateSpec.decode(PodTemplateSpec.encode(built).finish());
    expect(podTemplateHash(decoded, 2)).toBe(podTemplateHash(built, 2));
  });
});

describe("template equality", () => {
  it("ignores the pod-template-hash label", () => {
    expect(
      templatesEqualIgnoringHash(
        template(),
        template("busybox:1", { app: "web", "pod-template-hash": "abc" }),
      ),
    ).toBe(true);
  });

  it("sees any other difference", () => {
    expect(templatesEqualIgnoringHash(template(), template("busybox:2"))).toBe(false);
    expect(
      templatesEqualIgnoringHash(template(), template("busybox:1", { app: "web", x: "y" })),
    ).toBe(false);
  });

  it("does not depend on the hash of either side", () => {
    const t = template();
    const labelled = template("busybox:1", {
      app: "web",
      "pod-template-hash": podTemplateHash(t, 7),
    });
    expect(templatesEqualIgnoringHash(labelled, t)).toBe(true);
  });
});
