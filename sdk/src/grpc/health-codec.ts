// Messages and grpc-js service definition of the gRPC health checking protocol
// (grpc/health/v1/health.proto: Check, List, Watch), encoded by hand like reflection's
// (see reflection-codec.ts for why).
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import { asBuffer, expectWireType } from "./wire-codec.js";

export const HEALTH_SERVICE_NAME = "grpc.health.v1.Health";

/** grpc.health.v1.HealthCheckResponse.ServingStatus. SERVICE_UNKNOWN is for Watch only. */
export type ServingStatus = "UNKNOWN" | "SERVING" | "NOT_SERVING" | "SERVICE_UNKNOWN";

const STATUS_NUMBERS: Readonly<Record<ServingStatus, number>> = {
  UNKNOWN: 0,
  SERVING: 1,
  NOT_SERVING: 2,
  SERVICE_UNKNOWN: 3,
};
const STATUS_NAMES: readonly ServingStatus[] = [
  "UNKNOWN",
  "SERVING",
  "NOT_SERVING",
  "SERVICE_UNKNOWN",
];

export interface HealthCheckRequest {
  /** The service asked about; "" is the server as a whole. */
  service: string;
}

export interface HealthCheckResponse {
  status: ServingStatus;
}

export interface HealthListResponse {
  statuses: Map<string, HealthCheckResponse>;
}

function writeCheckResponse(response: HealthCheckResponse, w: BinaryWriter): BinaryWriter {
  const status = STATUS_NUMBERS[response.status];
  if (status !== 0) w.tag(1, WireType.Varint).int32(status);
  return w;
}

function readCheckResponse(bytes: Uint8Array): HealthCheckResponse {
  const r = new BinaryReader(bytes);
  const response: HealthCheckResponse = { status: "UNKNOWN" };
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1) {
      expectWireType(wireType, WireType.Varint, "status");
      // An enum value this codec does not know reads as UNKNOWN.
      response.status = STATUS_NAMES[r.int32()] ?? "UNKNOWN";
    } else {
      r.skip(wireType, field);
    }
  }
  return response;
}

function encodeCheckRequest(request: HealthCheckRequest): Uint8Array {
  const w = new BinaryWriter();
  if (request.service !== "") w.tag(1, WireType.LengthDelimited).string(request.service);
  return w.finish();
}

function decodeCheckRequest(bytes: Uint8Array): HealthCheckRequest {
  const r = new BinaryReader(bytes);
  const request: HealthCheckRequest = { service: "" };
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field === 1) {
      expectWireType(wireType, WireType.LengthDelimited, "service");
      request.service = r.string();
    } else {
      r.skip(wireType, field);
    }
  }
  return request;
}

function encodeListResponse(response: HealthListResponse): Uint8Array {
  const w = new BinaryWriter();
  for (const [service, status] of response.statuses) {
    // A map field is a repeated entry message {key = 1, value = 2}.
    w.tag(1, WireType.LengthDelimited).fork();
    w.tag(1, WireType.LengthDelimited).string(service);
    writeCheckResponse(status, w.tag(2, WireType.LengthDelimited).fork()).join();
    w.join();
  }
  return w.finish();
}

function decodeListResponse(bytes: Uint8Array): HealthListResponse {
  const r = new BinaryReader(bytes);
  const statuses = new Map<string, HealthCheckResponse>();
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field !== 1) {
      r.skip(wireType, field);
      continue;
    }
    expectWireType(wireType, WireType.LengthDelimited, "statuses");
    const entry = new BinaryReader(r.bytes());
    let key = "";
    let value: HealthCheckResponse = { status: "UNKNOWN" };
    while (entry.pos < entry.len) {
      const [entryField, entryWireType] = entry.tag();
      if (entryField === 1) {
        expectWireType(entryWireType, WireType.LengthDelimited, "statuses.key");
        key = entry.string();
      } else if (entryField === 2) {
        expectWireType(entryWireType, WireType.LengthDelimited, "statuses.value");
        value = readCheckResponse(entry.bytes());
      } else {
        entry.skip(entryWireType, entryField);
      }
    }
    statuses.set(key, value);
  }
  return { statuses };
}

const checkRequestCodec = {
  requestSerialize: (value: HealthCheckRequest): Buffer => asBuffer(encodeCheckRequest(value)),
  requestDeserialize: (value: Buffer): HealthCheckRequest => decodeCheckRequest(value),
  responseSerialize: (value: HealthCheckResponse): Buffer =>
    asBuffer(writeCheckResponse(value, new BinaryWriter()).finish()),
  responseDeserialize: (value: Buffer): HealthCheckResponse => readCheckResponse(value),
};

/**
 * grpc-js definition of grpc.health.v1.Health, for servers (addHealth registers it) and
 * clients (`makeGenericClientConstructor(HealthService, "grpc.health.v1.Health")`).
 */
export const HealthService = {
  check: {
    path: "/grpc.health.v1.Health/Check" as const,
    requestStream: false as const,
    responseStream: false as const,
    ...checkRequestCodec,
  },
  list: {
    path: "/grpc.health.v1.Health/List" as const,
    requestStream: false as const,
    responseStream: false as const,
    // HealthListRequest has no fields: nothing to write, everything to skip.
    requestSerialize: (_value: Record<string, never>): Buffer => Buffer.alloc(0),
    requestDeserialize: (_value: Buffer): Record<string, never> => ({}),
    responseSerialize: (value: HealthListResponse): Buffer => asBuffer(encodeListResponse(value)),
    responseDeserialize: (value: Buffer): HealthListResponse => decodeListResponse(value),
  },
  watch: {
    path: "/grpc.health.v1.Health/Watch" as const,
    requestStream: false as const,
    responseStream: true as const,
    ...checkRequestCodec,
  },
};
