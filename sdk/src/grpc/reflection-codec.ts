// Messages and grpc-js service definitions of gRPC server reflection
// (grpc/reflection/v1/reflection.proto; v1alpha is the same protocol under another
// package name, byte for byte on the wire). Encoded by hand: the protocol is a handful of
// messages, and vendoring its .proto into proto/ would make gRPC's reflection package part
// of the k8ts API contract (linted, generated, checked for breaking changes) for no gain.
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { asBuffer, expectWireType, readRepeatedInt32 } from "./wire-codec.js";

/** The extension a file_containing_extension request asks about. */
export interface ExtensionRequest {
  /** Full name of the extended message, e.g. "google.protobuf.FieldOptions". */
  containingType: string;
  extensionNumber: number;
}

/** What a reflection request asks for (the message_request oneof). */
export type ReflectionQuery =
  | { $case: "fileByFilename"; value: string }
  | { $case: "fileContainingSymbol"; value: string }
  | { $case: "fileContainingExtension"; value: ExtensionRequest }
  | { $case: "allExtensionNumbersOfType"; value: string }
  | { $case: "listServices"; value: string };

/** grpc.reflection.v1.ServerReflectionRequest. */
export interface ReflectionRequest {
  host: string;
  /** Undefined when the request sets no kind this codec knows. */
  messageRequest: ReflectionQuery | undefined;
}

/** What a reflection response answers (the message_response oneof). */
export type ReflectionAnswer =
  | {
      $case: "fileDescriptorResponse";
      /** Serialized google.protobuf.FileDescriptorProto messages. */
      value: { fileDescriptorProto: Uint8Array[] };
    }
  | {
      $case: "allExtensionNumbersResponse";
      value: { baseTypeName: string; extensionNumber: number[] };
    }
  | { $case: "listServicesResponse"; value: { service: { name: string }[] } }
  | { $case: "errorResponse"; value: { errorCode: number; errorMessage: string } };

/** grpc.reflection.v1.ServerReflectionResponse. */
export interface ReflectionResponse {
  validHost: string;
  originalRequest: ReflectionRequest | undefined;
  messageResponse: ReflectionAnswer | undefined;
}

function writeReflectionRequest(request: ReflectionRequest, w: BinaryWriter): BinaryWriter {
  if (request.host !== "") w.tag(1, WireType.LengthDelimited).string(request.host);
  const query = request.messageRequest;
  // Oneof members are written even when empty: `list_services: ""` is a valid request.
  switch (query?.$case) {
    case undefined:
      break;
    case "fileByFilename":
      w.tag(3, WireType.LengthDelimited).string(query.value);
      break;
    case "fileContainingSymbol":
      w.tag(4, WireType.LengthDelimited).string(query.value);
      break;
    case "fileContainingExtension": {
      w.tag(5, WireType.LengthDelimited).fork();
      const { containingType, extensionNumber } = query.value;
      if (containingType !== "") w.tag(1, WireType.LengthDelimited).string(containingType);
      if (extensionNumber !== 0) w.tag(2, WireType.Varint).int32(extensionNumber);
      w.join();
      break;
    }
    case "allExtensionNumbersOfType":
      w.tag(6, WireType.LengthDelimited).string(query.value);
      break;
    case "listServices":
      w.tag(7, WireType.LengthDelimited).string(query.value);
      break;
  }
  return w;
}

/** Encodes a ServerReflectionRequest. */
export function encodeReflectionRequest(request: ReflectionRequest): Uint8Array {
  return writeReflectionRequest(request, new BinaryWriter()).finish();
}

/** Decodes a ServerReflectionRequest; throws MalformedMessageError on bad input. */
export function decodeReflectionRequest(bytes: Uint8Array): ReflectionRequest {
  const r = new BinaryReader(bytes);
  const request: ReflectionRequest = { host: "", messageRequest: undefined };
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    switch (field) {
      case 1:
        expectWireType(wireType, WireType.LengthDelimited, "host");
        request.host = r.string();
        break;
      case 3:
        expectWireType(wireType, WireType.LengthDelimited, "file_by_filename");
        request.messageRequest = { $case: "fileByFilename", value: r.string() };
        break;
      case 4:
        expectWireType(wireType, WireType.LengthDelimited, "file_containing_symbol");
        request.messageRequest = { $case: "fileContainingSymbol", value: r.string() };
        break;
      case 5:
        expectWireType(wireType, WireType.LengthDelimited, "file_containing_extension");
        request.messageRequest = {
          $case: "fileContainingExtension",
          value: decodeExtensionRequest(r.bytes()),
        };
        break;
      case 6:
        expectWireType(wireType, WireType.LengthDelimited, "all_extension_numbers_of_type");
        request.messageRequest = { $case: "allExtensionNumbersOfType", value: r.string() };
        break;
      case 7:
        expectWireType(wireType, WireType.LengthDelimited, "list_services");
        request.messageRequest = { $case: "listServices", value: r.string() };
        break;
      default:
        r.skip(wireType, field);
    }
  }
  return request;
}

function decodeExtensionRequest(bytes: Uint8Array): ExtensionRequest {
  const r = new BinaryReader(bytes);
  const ext: ExtensionRequest = { containingType: "", extensionNumber: 0 };
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1) {
      expectWireType(wireType, WireType.LengthDelimited, "containing_type");
      ext.containingType = r.string();
    } else if (field === 2) {
      expectWireType(wireType, WireType.Varint, "extension_number");
      ext.extensionNumber = r.int32();
    } else {
      r.skip(wireType, field);
    }
  }
  return ext;
}

/** Encodes a ServerReflectionResponse. */
export function encodeReflectionResponse(response: ReflectionResponse): Uint8Array {
  const w = new BinaryWriter();
  if (response.validHost !== "") w.tag(1, WireType.LengthDelimited).string(response.validHost);
  if (response.originalRequest !== undefined) {
    writeReflectionRequest(response.originalRequest, w.tag(2, WireType.LengthDelimited).fork());
    w.join();
  }
  const answer = response.messageResponse;
  switch (answer?.$case) {
    case undefined:
      break;
    case "fileDescriptorResponse":
      w.tag(4, WireType.LengthDelimited).fork();
      for (const file of answer.value.fileDescriptorProto)
        w.tag(1, WireType.LengthDelimited).bytes(file);
      w.join();
      break;
    case "allExtensionNumbersResponse": {
      const { baseTypeName, extensionNumber } = answer.value;
      w.tag(5, WireType.LengthDelimited).fork();
      if (baseTypeName !== "") w.tag(1, WireType.LengthDelimited).string(baseTypeName);
      if (extensionNumber.length > 0) {
        w.tag(2, WireType.LengthDelimited).fork();
        for (const n of extensionNumber) w.int32(n);
        w.join();
      }
      w.join();
      break;
    }
    case "listServicesResponse":
      w.tag(6, WireType.LengthDelimited).fork();
      for (const service of answer.value.service) {
        w.tag(1, WireType.LengthDelimited).fork();
        if (service.name !== "") w.tag(1, WireType.LengthDelimited).string(service.name);
        w.join();
      }
      w.join();
      break;
    case "errorResponse": {
      const { errorCode, errorMessage } = answer.value;
      w.tag(7, WireType.LengthDelimited).fork();
      if (errorCode !== 0) w.tag(1, WireType.Varint).int32(errorCode);
      if (errorMessage !== "") w.tag(2, WireType.LengthDelimited).string(errorMessage);
      w.join();
      break;
    }
  }
  return w.finish();
}

/** Decodes a ServerReflectionResponse; throws MalformedMessageError on bad input. */
export function decodeReflectionResponse(bytes: Uint8Array): ReflectionResponse {
  const r = new BinaryReader(bytes);
  const response: ReflectionResponse = {
    validHost: "",
    originalRequest: undefined,
    messageResponse: undefined,
  };
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field >= 1 && field <= 7 && field !== 3)
      expectWireType(wireType, WireType.LengthDelimited, `ServerReflectionResponse field ${field}`);
    switch (field) {
      case 1:
        response.validHost = r.string();
        break;
      case 2:
        response.originalRequest = decodeReflectionRequest(r.bytes());
        break;
      case 4:
        response.messageResponse = decodeFileDescriptorResponse(r.bytes());
        break;
      case 5:
        response.messageResponse = decodeExtensionNumberResponse(r.bytes());
        break;
      case 6:
        response.messageResponse = decodeListServiceResponse(r.bytes());
        break;
      case 7:
        response.messageResponse = decodeErrorResponse(r.bytes());
        break;
      default:
        r.skip(wireType, field);
    }
  }
  return response;
}

function decodeFileDescriptorResponse(bytes: Uint8Array): ReflectionAnswer {
  const r = new BinaryReader(bytes);
  const files: Uint8Array[] = [];
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1) {
      expectWireType(wireType, WireType.LengthDelimited, "file_descriptor_proto");
      files.push(r.bytes());
    } else {
      r.skip(wireType, field);
    }
  }
  return { $case: "fileDescriptorResponse", value: { fileDescriptorProto: files } };
}

function decodeExtensionNumberResponse(bytes: Uint8Array): ReflectionAnswer {
  const r = new BinaryReader(bytes);
  const value = { baseTypeName: "", extensionNumber: [] as number[] };
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1) {
      expectWireType(wireType, WireType.LengthDelimited, "base_type_name");
      value.baseTypeName = r.string();
    } else if (field === 2) {
      readRepeatedInt32(r, wireType, "extension_number", value.extensionNumber);
    } else {
      r.skip(wireType, field);
    }
  }
  return { $case: "allExtensionNumbersResponse", value };
}

function decodeListServiceResponse(bytes: Uint8Array): ReflectionAnswer {
  const r = new BinaryReader(bytes);
  const service: { name: string }[] = [];
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1) {
      expectWireType(wireType, WireType.LengthDelimited, "service");
      service.push({ name: decodeServiceResponseName(r.bytes()) });
    } else {
      r.skip(wireType, field);
    }
  }
  return { $case: "listServicesResponse", value: { service } };
}

function decodeServiceResponseName(bytes: Uint8Array): string {
  const r = new BinaryReader(bytes);
  let name = "";
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1) {
      expectWireType(wireType, WireType.LengthDelimited, "name");
      name = r.string();
    } else {
      r.skip(wireType, field);
    }
  }
  return name;
}

function decodeErrorResponse(bytes: Uint8Array): ReflectionAnswer {
  const r = new BinaryReader(bytes);
  const value = { errorCode: 0, errorMessage: "" };
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1) {
      expectWireType(wireType, WireType.Varint, "error_code");
      value.errorCode = r.int32();
    } else if (field === 2) {
      expectWireType(wireType, WireType.LengthDelimited, "error_message");
      value.errorMessage = r.string();
    } else {
      r.skip(wireType, field);
    }
  }
  return { $case: "errorResponse", value };
}

function reflectionService<Package extends string>(pkg: Package) {
  return {
    serverReflectionInfo: {
      path: `/${pkg}.ServerReflection/ServerReflectionInfo` as const,
      requestStream: true as const,
      responseStream: true as const,
      requestSerialize: (value: ReflectionRequest): Buffer =>
        asBuffer(encodeReflectionRequest(value)),
      requestDeserialize: (value: Buffer): ReflectionRequest => decodeReflectionRequest(value),
      responseSerialize: (value: ReflectionResponse): Buffer =>
        asBuffer(encodeReflectionResponse(value)),
      responseDeserialize: (value: Buffer): ReflectionResponse => decodeReflectionResponse(value),
    },
  };
}

/**
 * grpc-js definition of grpc.reflection.v1.ServerReflection, for servers (addReflection
 * registers it) and clients (`makeGenericClientConstructor(ReflectionV1Service, ...)`).
 */
export const ReflectionV1Service = reflectionService("grpc.reflection.v1");
/** grpc-js definition of grpc.reflection.v1alpha.ServerReflection (same messages). */
export const ReflectionV1AlphaService = reflectionService("grpc.reflection.v1alpha");
