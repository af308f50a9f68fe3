import { describe, expect, it } from "vitest";
import {
  ALL_CONTROLLERS,
  UnknownControllerError,
  selectControllers,
} from "./controller-registry.js";

const names = (selection: string[]): string[] => selectControllers(selection).map((c) => c.name);

describe("selectControllers (--controllers)", () => {
  it('runs every controller for "*"', () => {
    expect(names(["*"])).toEqual(ALL_CONTROLLERS.map((c) => c.name));
  });

  it('leaves out "-name" entries, also given as one comma-separated value', () => {
    expect(names(["*,-podgc", "-namespace"])).not.toContain("podgc");
    expect(names(["*,-podgc", "-namespace"])).not.toContain("namespace");
    expect(names(["*,-podgc"])).toContain("replicaset");
  });

  it("runs only the named controllers without *", () => {
    expect(names(["replicaset", "deployment"])).toEqual(["replicaset", "deployment"]);
  });

  it("refuses an unknown name, listing the known ones", () => {
    expect(() => names(["*", "-replicasets"])).toThrow(UnknownControllerError);
    expect(() => names(["replicasets"])).toThrow(
      /unknown controller "replicasets" \(known: replicaset, /,
    );
  });
});
