// Server reflection against a real grpc-js server on a free port: the real `buf curl`
// (what users run) must list and *call* methods with no local schema, and a grpc-js client
// checks each request kind of the protocol.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { create, createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import {
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  type FileDescriptorProto,
} from "@bufbuild/protobuf/wkt";
import {
  Client,
  Server,
  ServerCredentials,
  credentials,
  status,
  type sendUnaryData,
  type ServerUnaryCall,
} from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { descriptorSetBase64 } from "../gen/descriptor-set.js";
import { Namespace } from "../gen/k8ts/api/v1/namespace.js";
import { NamespacesService } from "../gen/k8ts/api/v1/namespace_service.js";
import type { GetRequest } from "../gen/k8ts/api/v1/requests.js";
import { IncompleteDescriptorSetError } from "./descriptor-imports.js";
import { addHealth, type HealthReporter } from "./health.js";
import { addReflection } from "./reflection.js";
import {
  ReflectionV1AlphaService,
  ReflectionV1Service,
  type ReflectionAnswer,
  type ReflectionQuery,
  type ReflectionResponse,
} from "./reflection-codec.js";

const execFileAsync = promisify(execFile);
const BUF = fileURLToPath(new URL("../../../node_modules/.bin/buf", import.meta.url));
const DESCRIPTOR_SET = Buffer.from(descriptorSetBase64, "base64");
const API_FILES = fromBinary(FileDescriptorSetSchema, DESCRIPTOR_SET).file;
const CALL_TIMEOUT_MS = 10_000;

/** Each file of the descriptor set exactly as `buf build` serialized it. */
function originalFileBytes(): Map<string, Uint8Array> {
  const bytes = new Map<string, Uint8Array>();
  const reader = new BinaryReader(DESCRIPTOR_SET);
  for (const file of API_FILES) {
    reader.tag();
    bytes.set(file.name, reader.bytes());
  }
  return bytes;
}

/** `name` and everything it imports, transitively, computed from the set itself. */
function closureOf(name: string): Set<string> {
  const byName = new Map(API_FILES.map((f) => [f.name, f]));
  const result = new Set<string>();
  const visit = (file: string): void => {
    if (result.has(file)) return;
    result.add(file);
    for (const dependency of byName.get(file)?.dependency ?? []) visit(dependency);
  };
  visit(name);
  return result;
}

/**
 * The files ordered so that each comes after the files it imports, as createFileRegistry
 * wants them (reflection answers put the requested file first); throws when an import is
 * not among them.
 */
function importsFirst(files: readonly FileDescriptorProto[]): FileDescriptorProto[] {
  const byName = new Map(files.map((f) => [f.name, f]));
  const ordered: FileDescriptorProto[] = [];
  const placed = new Set<string>();
  const place = (file: FileDescriptorProto): void => {
    if (placed.has(file.name)) return;
    placed.add(file.name);
    for (const dependency of file.dependency) {
      const imported = byName.get(dependency);
      if (imported === undefined)
        throw new Error(`${file.name} imports ${dependency}, missing from the answer`);
      place(imported);
    }
    ordered.push(file);
  };
  files.forEach(place);
  return ordered;
}

async function listen(server: Server): Promise<string> {
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) => {
      if (error === null) resolve(bound);
      else reject(error);
    });
  });
  return `127.0.0.1:${port}`;
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.tryShutdown((error) => {
      if (error === undefined) resolve();
      else reject(error);
    });
  });
}

/** Sends `queries` on one reflection stream and collects every answer until it ends. */
async function reflect(
  address: string,
  queries: readonly ReflectionQuery[],
  service: typeof ReflectionV1Service | typeof ReflectionV1AlphaService = ReflectionV1Service,
): Promise<ReflectionResponse[]> {
  const client = new Client(address, credentials.createInsecure());
  const method = service.serverReflectionInfo;
  try {
    return await new Promise<ReflectionResponse[]>((resolve, reject) => {
      const call = client.makeBidiStreamRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        { deadline: Date.now() + CALL_TIMEOUT_MS },
      );
      const responses: ReflectionResponse[] = [];
      call.on("data", (response: ReflectionResponse) => responses.push(response));
      call.on("error", reject);
      call.on("end", () => resolve(responses));
      for (const query of queries) call.write({ host: "", messageRequest: query });
      call.end();
    });
  } finally {
    client.close();
  }
}

async function reflectOne(address: string, query: ReflectionQuery): Promise<ReflectionAnswer> {
  const [response, ...rest] = await reflect(address, [query]);
  expect(rest).toEqual([]);
  if (response?.messageResponse === undefined) throw new Error("no answer");
  return response.messageResponse;
}

/** The FileDescriptorProtos of a file answer; fails the test on any other answer. */
function filesOf(answer: ReflectionAnswer): FileDescriptorProto[] {
  if (answer.$case !== "fileDescriptorResponse")
    throw new Error(`expected files, got ${JSON.stringify(answer)}`);
  return answer.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b));
}

const symbol = (value: string): ReflectionQuery => ({ $case: "fileContainingSymbol", value });

async function bufCurl(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(
    BUF,
    ["curl", "--protocol", "grpc", "--http2-prior-knowledge", ...args],
    { timeout: CALL_TIMEOUT_MS },
  );
  return stdout;
}

/** Runs a buf curl that must fail and returns what it prints on stderr. */
async function bufCurlError(...args: string[]): Promise<string> {
  try {
    await bufCurl(...args);
  } catch (error) {
    if (error instanceof Error && "stderr" in error && typeof error.stderr === "string")
      return error.stderr;
    throw error;
  }
  throw new Error("buf curl succeeded; expected a failure");
}

describe("reflection on a server with a k8ts service and health", () => {
  const server = new Server();
  let address = "";
  let health: HealthReporter;

  beforeAll(async () => {
    server.addService(NamespacesService, {
      get: (call: ServerUnaryCall<GetRequest, Namespace>, callback: sendUnaryData<Namespace>) => {
        callback(
          null,
          Namespace.fromPartial({
            metadata: {
              name: call.request.name,
              // A Timestamp: resolving it needs google/protobuf/timestamp.proto, an import.
              creationTimestamp: new Date("2024-05-06T07:08:09Z"),
            },
            status: { phase: "Active" },
          }),
        );
      },
    });
    addReflection(server, DESCRIPTOR_SET);
    health = addHealth(server);
    address = await listen(server);
  });

  afterAll(async () => {
    health.shutdown();
    await stop(server);
  });

  describe("buf curl (no local schema)", () => {
    it("lists the methods of the registered services only", async () => {
      const out = await bufCurl("--list-methods", `http://${address}`);
      expect(out.trim().split("\n")).toEqual([
        "grpc.health.v1.Health/Check",
        "grpc.health.v1.Health/List",
        "grpc.health.v1.Health/Watch",
        "grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        "k8ts.api.v1.Namespaces/Create",
        "k8ts.api.v1.Namespaces/Delete",
        "k8ts.api.v1.Namespaces/Get",
        "k8ts.api.v1.Namespaces/List",
        "k8ts.api.v1.Namespaces/Patch",
        "k8ts.api.v1.Namespaces/Update",
        "k8ts.api.v1.Namespaces/UpdateStatus",
        "k8ts.api.v1.Namespaces/Watch",
      ]);
    });

    it.each(["grpc-v1", "grpc-v1alpha"])(
      "calls Namespaces/Get through reflection %s",
      async (protocol) => {
        const out = await bufCurl(
          "--reflect-protocol",
          protocol,
          "-d",
          '{"name":"default"}',
          `http://${address}/k8ts.api.v1.Namespaces/Get`,
        );
        expect(JSON.parse(out)).toEqual({
          metadata: { name: "default", creationTimestamp: "2024-05-06T07:08:09Z" },
          status: { phase: "Active" },
        });
      },
    );

    it("calls grpc.health.v1.Health/Check", async () => {
      const out = await bufCurl(`http://${address}/grpc.health.v1.Health/Check`);
      expect(JSON.parse(out)).toEqual({ status: "SERVING" });
      health.setStatus("k8ts.api.v1.Namespaces", "NOT_SERVING");
      const namespaces = await bufCurl(
        "-d",
        '{"service":"k8ts.api.v1.Namespaces"}',
        `http://${address}/grpc.health.v1.Health/Check`,
      );
      expect(JSON.parse(namespaces)).toEqual({ status: "NOT_SERVING" });
      const unknown = await bufCurlError(
        "-d",
        '{"service":"no.such.Service"}',
        `http://${address}/grpc.health.v1.Health/Check`,
      );
      // An RPC error: buf prints the status as JSON.
      expect(JSON.parse(unknown)).toMatchObject({ code: "not_found" });
    });

    it("reports a method no registered file declares", async () => {
      const error = await bufCurlError(`http://${address}/k8ts.api.v1.Namespaces/Frobnicate`);
      expect(error).toContain("Frobnicate");
    });
  });

  describe("protocol, through a grpc-js client", () => {
    it("lists the registered services, the reflection services and health", async () => {
      expect(await reflectOne(address, { $case: "listServices", value: "" })).toEqual({
        $case: "listServicesResponse",
        value: {
          service: [
            { name: "grpc.health.v1.Health" },
            { name: "grpc.reflection.v1.ServerReflection" },
            { name: "grpc.reflection.v1alpha.ServerReflection" },
            { name: "k8ts.api.v1.Namespaces" },
          ],
        },
      });
    });

    it("describes every listed service with a self-contained answer", async () => {
      for (const name of [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        "k8ts.api.v1.Namespaces",
      ]) {
        const files = filesOf(await reflectOne(address, symbol(name)));
        // Building a registry from the answer alone resolves every reference, and throws
        // on the upstream bug ("unresolvable reference").
        const set = create(FileDescriptorSetSchema, { file: importsFirst(files) });
        expect(createFileRegistry(set).getService(name)?.typeName).toBe(name);
      }
    });

    it("answers a file with all its transitive imports, byte for byte as buf built them", async () => {
      const name = "k8ts/api/v1/namespace_service.proto";
      const answer = await reflectOne(address, { $case: "fileByFilename", value: name });
      const files = filesOf(answer);
      expect(files[0]?.name).toBe(name);
      expect(new Set(files.map((f) => f.name))).toEqual(closureOf(name));
      expect(files).toHaveLength(closureOf(name).size);
      const original = originalFileBytes();
      if (answer.$case !== "fileDescriptorResponse") throw new Error("unreachable");
      answer.value.fileDescriptorProto.forEach((bytes, i) => {
        const fileName = files[i]?.name ?? "";
        expect(Buffer.from(bytes).equals(Buffer.from(original.get(fileName) ?? [])), fileName).toBe(
          true,
        );
      });
    });

    it.each([
      ["a nested message", "k8ts.api.v1.ObjectMeta.LabelsEntry", "k8ts/api/v1/meta.proto"],
      ["an enum value", "google.rpc.NOT_FOUND", "google/rpc/code.proto"],
      ["an enum value under its enum", "google.rpc.Code.NOT_FOUND", "google/rpc/code.proto"],
      [
        "a nested enum value",
        "google.protobuf.FieldDescriptorProto.TYPE_STRING",
        "google/protobuf/descriptor.proto",
      ],
      ["an enum", "google.protobuf.FieldDescriptorProto.Type", "google/protobuf/descriptor.proto"],
      ["a method", "k8ts.api.v1.Namespaces.Get", "k8ts/api/v1/namespace_service.proto"],
      ["a field", "k8ts.api.v1.ObjectMeta.labels", "k8ts/api/v1/meta.proto"],
      ["a oneof", "k8ts.api.v1.IntOrString.value", "k8ts/api/v1/meta.proto"],
      ["an extension", "k8ts.api.v1.field", "k8ts/api/v1/rules.proto"],
      ["a leading-dot name", ".k8ts.api.v1.Namespace", "k8ts/api/v1/namespace.proto"],
      [
        "a built-in health enum value",
        "grpc.health.v1.HealthCheckResponse.SERVING",
        "grpc/health/v1/health.proto",
      ],
    ])("finds the file containing %s", async (_what, name, file) => {
      const files = filesOf(await reflectOne(address, symbol(name)));
      expect(files[0]?.name).toBe(file);
      // closureOf knows only the API's files; health.proto imports nothing.
      expect(new Set(files.map((f) => f.name))).toEqual(closureOf(file));
    });

    it.each<[string, ReflectionQuery, string]>([
      ["symbol", symbol("k8ts.api.v1.NoSuchThing"), "k8ts.api.v1.NoSuchThing"],
      ["file", { $case: "fileByFilename", value: "k8ts/api/v1/nope.proto" }, "nope.proto"],
      [
        "extension",
        {
          $case: "fileContainingExtension",
          value: { containingType: "google.protobuf.FieldOptions", extensionNumber: 1 },
        },
        "google.protobuf.FieldOptions 1",
      ],
      [
        "extended type",
        { $case: "allExtensionNumbersOfType", value: "k8ts.api.v1.Nope" },
        "k8ts.api.v1.Nope",
      ],
    ])("answers an unknown %s with NOT_FOUND", async (_what, query, mentioned) => {
      const answer = await reflectOne(address, query);
      expect(answer.$case).toBe("errorResponse");
      if (answer.$case !== "errorResponse") return;
      expect(answer.value.errorCode).toBe(status.NOT_FOUND);
      expect(answer.value.errorMessage).toContain(mentioned);
    });

    it("finds the file of an extension and every extension number of a type", async () => {
      const files = filesOf(
        await reflectOne(address, {
          $case: "fileContainingExtension",
          value: { containingType: "google.protobuf.FieldOptions", extensionNumber: 51001 },
        }),
      );
      expect(files.map((f) => f.name)).toEqual([
        "k8ts/api/v1/rules.proto",
        "google/protobuf/descriptor.proto",
      ]);
      const numbers = await reflect(address, [
        { $case: "allExtensionNumbersOfType", value: "google.protobuf.FieldOptions" },
        { $case: "allExtensionNumbersOfType", value: "google.protobuf.MessageOptions" },
        { $case: "allExtensionNumbersOfType", value: "k8ts.api.v1.Namespace" },
      ]);
      expect(numbers.map((r) => r.messageResponse)).toEqual([
        {
          $case: "allExtensionNumbersResponse",
          value: { baseTypeName: "google.protobuf.FieldOptions", extensionNumber: [51001] },
        },
        {
          $case: "allExtensionNumbersResponse",
          value: { baseTypeName: "google.protobuf.MessageOptions", extensionNumber: [51001] },
        },
        {
          $case: "allExtensionNumbersResponse",
          value: { baseTypeName: "k8ts.api.v1.Namespace", extensionNumber: [] },
        },
      ]);
    });

    it("answers several requests on one stream in order, errors included", async () => {
      const queries: ReflectionQuery[] = [
        symbol("k8ts.api.v1.Missing"),
        { $case: "listServices", value: "*" },
        { $case: "fileByFilename", value: "google/protobuf/timestamp.proto" },
        symbol("k8ts.api.v1.Namespaces"),
      ];
      const responses = await reflect(address, queries, ReflectionV1AlphaService);
      expect(responses.map((r) => r.originalRequest?.messageRequest)).toEqual(queries);
      expect(responses.map((r) => r.messageResponse?.$case)).toEqual([
        "errorResponse",
        "listServicesResponse",
        "fileDescriptorResponse",
        "fileDescriptorResponse",
      ]);
    });
  });
});

describe("reflection options and inputs", () => {
  it("lists options.services instead of the registered ones", async () => {
    const server = new Server();
    addReflection(server, fromBinary(FileDescriptorSetSchema, DESCRIPTOR_SET), {
      services: ["k8ts.api.v1.Pods"],
    });
    const address = await listen(server);
    try {
      const answer = await reflectOne(address, { $case: "listServices", value: "" });
      expect(answer).toEqual({
        $case: "listServicesResponse",
        value: {
          service: [
            { name: "grpc.reflection.v1.ServerReflection" },
            { name: "grpc.reflection.v1alpha.ServerReflection" },
            { name: "k8ts.api.v1.Pods" },
          ],
        },
      });
    } finally {
      await stop(server);
    }
  });

  it("refuses a descriptor set whose imports do not resolve", () => {
    const withoutImports = create(FileDescriptorSetSchema, {
      file: API_FILES.filter((f) => f.name === "k8ts/api/v1/namespace_service.proto"),
    });
    expect(() => addReflection(new Server(), withoutImports)).toThrow(IncompleteDescriptorSetError);
  });
});
