import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { descriptorSetBase64 } from "../gen/descriptor-set.js";
import { IncompleteDescriptorSetError } from "./descriptor-imports.js";
import { descriptorSubset, fileImports } from "./wire-descriptor-set.js";

const SET = Buffer.from(descriptorSetBase64, "base64");
const FILES = fromBinary(FileDescriptorSetSchema, SET).file;

function names(set: Uint8Array): string[] {
  return fromBinary(FileDescriptorSetSchema, set).file.map((f) => f.name);
}

describe("fileImports", () => {
  it("reads each file's name and imports, in order, as decoding would", () => {
    expect(fileImports(SET)).toEqual(
      FILES.map((f) => ({ name: f.name, dependency: f.dependency })),
    );
  });
});

describe("descriptorSubset", () => {
  it("keeps a file that imports nothing, alone and unchanged", () => {
    const subset = fromBinary(
      FileDescriptorSetSchema,
      descriptorSubset(SET, ["k8ts/runtime/v1/runtime.proto"]),
    ).file;
    expect(subset.map((f) => f.name)).toEqual(["k8ts/runtime/v1/runtime.proto"]);
    expect(subset[0]).toEqual(FILES.find((f) => f.name === "k8ts/runtime/v1/runtime.proto"));
  });

  it("adds every import, transitively, in the set's order", () => {
    const byName = new Map(FILES.map((f) => [f.name, f]));
    const closure = new Set<string>();
    const visit = (name: string): void => {
      if (closure.has(name)) return;
      closure.add(name);
      for (const d of byName.get(name)?.dependency ?? []) visit(d);
    };
    visit("k8ts/api/v1/pod_service.proto");
    visit("k8ts/network/v1/network.proto");
    const expected = FILES.map((f) => f.name).filter((n) => closure.has(n));
    expect(expected.length).toBeGreaterThan(3);
    expect(
      names(
        descriptorSubset(SET, ["k8ts/api/v1/pod_service.proto", "k8ts/network/v1/network.proto"]),
      ),
    ).toEqual(expected);
  });

  it("refuses a file the set lacks, and a file whose import it lacks", () => {
    expect(() => descriptorSubset(SET, ["k8ts/nothing/v1/nothing.proto"])).toThrow(
      IncompleteDescriptorSetError,
    );
    // A set holding pod.proto without the files it imports.
    const pod = FILES.find((f) => f.name === "k8ts/api/v1/pod.proto");
    if (pod === undefined) throw new Error("no pod.proto in the API's descriptor set");
    const podOnly = new BinaryWriter()
      .tag(1, WireType.LengthDelimited)
      .bytes(toBinary(FileDescriptorProtoSchema, pod))
      .finish();
    expect(() => descriptorSubset(podOnly, ["k8ts/api/v1/pod.proto"])).toThrow(
      /lacks .* imported by k8ts\/api\/v1\/pod.proto/,
    );
  });
});
