// The hand-written reflection codec against the wire format protobuf defines.
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import {
  decodeReflectionRequest,
  decodeReflectionResponse,
  encodeReflectionRequest,
  encodeReflectionResponse,
  type ReflectionRequest,
  type ReflectionResponse,
} from "./reflection-codec.js";
import { MalformedMessageError } from "./wire-codec.js";

describe("reflection codec", () => {
  it.each<ReflectionRequest>([
    { host: "", messageRequest: { $case: "listServices", value: "" } },
    { host: "h:1", messageRequest: { $case: "fileByFilename", value: "a/b.proto" } },
    { host: "", messageRequest: { $case: "fileContainingSymbol", value: "pkg.Msg" } },
    {
      host: "",
      messageRequest: {
        $case: "fileContainingExtension",
        value: { containingType: "google.protobuf.FieldOptions", extensionNumber: 51001 },
      },
    },
    { host: "", messageRequest: { $case: "allExtensionNumbersOfType", value: "pkg.Msg" } },
    { host: "", messageRequest: undefined },
  ])("round-trips request %j", (request) => {
    expect(decodeReflectionRequest(encodeReflectionRequest(request))).toEqual(request);
  });

  it("keeps an empty oneof member set: list_services with no content", () => {
    // Field 7, length 0: what grpcurl and buf send.
    expect(
      encodeReflectionRequest({ host: "", messageRequest: { $case: "listServices", value: "" } }),
    ).toEqual(new Uint8Array([0x3a, 0x00]));
  });

  it.each<ReflectionResponse>([
    {
      validHost: "",
      originalRequest: { host: "", messageRequest: { $case: "fileByFilename", value: "x.proto" } },
      messageResponse: {
        $case: "fileDescriptorResponse",
        value: { fileDescriptorProto: [new Uint8Array([10, 1, 120]), new Uint8Array([])] },
      },
    },
    {
      validHost: "h",
      originalRequest: undefined,
      messageResponse: {
        $case: "allExtensionNumbersResponse",
        value: { baseTypeName: "pkg.Msg", extensionNumber: [1, 51001, 536870911] },
      },
    },
    {
      validHost: "",
      originalRequest: undefined,
      messageResponse: {
        $case: "listServicesResponse",
        value: { service: [{ name: "a.B" }, { name: "c.D" }] },
      },
    },
    {
      validHost: "",
      originalRequest: undefined,
      messageResponse: { $case: "errorResponse", value: { errorCode: 5, errorMessage: "nope" } },
    },
  ])("round-trips response $messageResponse.$case", (response) => {
    expect(decodeReflectionResponse(encodeReflectionResponse(response))).toEqual(response);
  });

  it("reads unpacked extension numbers and skips unknown fields", () => {
    const w = new BinaryWriter();
    w.tag(99, WireType.Varint).uint32(7); // unknown field
    w.tag(5, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).string("pkg.Msg");
    w.tag(2, WireType.Varint).int32(100);
    w.tag(2, WireType.Varint).int32(200);
    w.join();
    expect(decodeReflectionResponse(w.finish()).messageResponse).toEqual({
      $case: "allExtensionNumbersResponse",
      value: { baseTypeName: "pkg.Msg", extensionNumber: [100, 200] },
    });
  });

  it("rejects a known field with the wrong wire type", () => {
    const w = new BinaryWriter();
    w.tag(4, WireType.Varint).uint32(1); // file_containing_symbol must be a string
    expect(() => decodeReflectionRequest(w.finish())).toThrow(MalformedMessageError);
  });
});
