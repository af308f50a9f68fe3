// gRPC server reflection for grpc-js servers, answered from a FileDescriptorSet: what
// grpcurl, `buf curl`, Postman and friends use to discover and call methods with no local
// copy of the .proto files. Both grpc.reflection.v1 and the older v1alpha are served.
//
// Not @grpc/reflection: 1.0.4 cannot describe any service whose file imports another
// (clients fail with "file ... included an unresolvable reference"; grpc/grpc-node#3018),
// and it lists every service of its package definition, served or not. Here every file
// answer carries the file and all it imports, transitively, serialized from the
// buf-built descriptor set, so clients resolve every reference in one round trip.
//
// The set is only checked on the wire when reflection is registered; it is decoded and
// indexed on the first reflection request, with the protobuf runtime that takes: most
// servers are never asked (a plugin process of a simulated cluster saves ~7 MB).
import type { FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import { status, type Server, type ServerDuplexStream } from "@grpc/grpc-js";
import { checkImports } from "./descriptor-imports.js";
import type { DescriptorIndex } from "./descriptor-index.js";
import { HEALTH_SERVICE_NAME } from "./health-codec.js";
import {
  ReflectionV1AlphaService,
  ReflectionV1Service,
  type ReflectionAnswer,
  type ReflectionQuery,
  type ReflectionRequest,
  type ReflectionResponse,
} from "./reflection-codec.js";
import { fileImports } from "./wire-descriptor-set.js";

/** The gRPC files addReflection adds to every set (see grpc-descriptors.ts). */
const GRPC_FILES: readonly string[] = [
  "grpc/health/v1/health.proto",
  "grpc/reflection/v1/reflection.proto",
  "grpc/reflection/v1alpha/reflection.proto",
];

/** Full names of the reflection services addReflection registers. */
export const REFLECTION_SERVICE_NAMES: readonly string[] = [
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
];

export interface ReflectionOptions {
  /**
   * Full names of the services list_services reports, e.g. ["k8ts.api.v1.Pods"].
   * Default: the services registered on the server when the request arrives (so services
   * added after addReflection count). The reflection services, and grpc.health.v1.Health
   * when registered, are always listed.
   */
  readonly services?: readonly string[];
}

/**
 * Registers grpc.reflection.v1.ServerReflection and grpc.reflection.v1alpha.ServerReflection
 * on `server`, describing the files of `descriptorSet` (a google.protobuf.FileDescriptorSet,
 * binary or parsed, built with its imports: `buf build`, or for the k8ts API
 * `Buffer.from(descriptorSetBase64, "base64")`), plus grpc/health/v1/health.proto and the
 * reflection protocol's own files.
 *
 * Answers file_by_filename, file_containing_symbol and file_containing_extension with the
 * file and every file it imports, transitively; all_extension_numbers_of_type; and
 * list_services (see ReflectionOptions.services). An unknown file, symbol or extension is
 * answered with error_response NOT_FOUND, and the stream stays open. Requests on one stream
 * are answered in order; the host field is ignored.
 *
 * Throws IncompleteDescriptorSetError when a file of the set imports one the set lacks,
 * and MalformedMessageError when a binary set is not a FileDescriptorSet. The set is kept
 * as given and read on the first request: do not change it afterwards.
 */
export function addReflection(
  server: Server,
  descriptorSet: Uint8Array | FileDescriptorSet,
  options: ReflectionOptions = {},
): void {
  checkImports([
    ...(descriptorSet instanceof Uint8Array ? fileImports(descriptorSet) : descriptorSet.file),
    ...GRPC_FILES.map((name) => ({ name, dependency: [] })),
  ]);
  let index: Promise<DescriptorIndex> | undefined;
  const loadIndex = (): Promise<DescriptorIndex> => (index ??= buildIndex(descriptorSet));
  const listServices = serviceLister(server, options.services);
  const handler = (call: ServerDuplexStream<ReflectionRequest, ReflectionResponse>): void => {
    serveReflectionStream(call, loadIndex, listServices);
  };
  server.addService(ReflectionV1Service, { serverReflectionInfo: handler });
  server.addService(ReflectionV1AlphaService, { serverReflectionInfo: handler });
}

/** The index of the set and the gRPC files, built with the modules loaded for it. */
async function buildIndex(descriptorSet: Uint8Array | FileDescriptorSet): Promise<DescriptorIndex> {
  const [{ fromBinary }, { FileDescriptorSetSchema }, { DescriptorIndex }, grpcFiles] =
    await Promise.all([
      import("@bufbuild/protobuf"),
      import("@bufbuild/protobuf/wkt"),
      import("./descriptor-index.js"),
      import("./grpc-descriptors.js"),
    ]);
  const set =
    descriptorSet instanceof Uint8Array
      ? fromBinary(FileDescriptorSetSchema, descriptorSet)
      : descriptorSet;
  // The set's own copy of a gRPC file, if it has one, wins (the index keeps the first).
  return new DescriptorIndex([
    ...set.file,
    grpcFiles.healthFileDescriptor(),
    grpcFiles.reflectionFileDescriptor("v1"),
    grpcFiles.reflectionFileDescriptor("v1alpha"),
  ]);
}

function serveReflectionStream(
  call: ServerDuplexStream<ReflectionRequest, ReflectionResponse>,
  loadIndex: () => Promise<DescriptorIndex>,
  listServices: () => string[],
): void {
  // Each request is answered after the one before, so answers keep the requests' order.
  let previous = Promise.resolve();
  let failed = false;
  const inTurn = (step: (index: DescriptorIndex) => void): void => {
    previous = previous
      .then(async () => {
        if (!failed) step(await loadIndex());
      })
      .catch((err: unknown) => {
        failed = true;
        call.emit("error", {
          code: status.INTERNAL,
          details: `reflection: ${err instanceof Error ? err.message : String(err)}`,
        });
      });
  };
  call.on("data", (request: ReflectionRequest) =>
    inTurn((index) => {
      const response: ReflectionResponse = {
        validHost: request.host,
        originalRequest: request,
        messageResponse: answer(request.messageRequest, index, listServices),
      };
      // A client that sends without reading stops being read until it catches up, so
      // answers (up to a few hundred KB each) never pile up in memory.
      if (!call.write(response)) {
        call.pause();
        call.once("drain", () => call.resume());
      }
    }),
  );
  call.on("end", () => inTurn(() => call.end()));
}

function answer(
  query: ReflectionQuery | undefined,
  index: DescriptorIndex,
  listServices: () => string[],
): ReflectionAnswer {
  switch (query?.$case) {
    case "listServices":
      return {
        $case: "listServicesResponse",
        value: { service: listServices().map((name) => ({ name })) },
      };
    case "fileByFilename":
      return filesAnswer(index, query.value, `file not found: ${query.value}`);
    case "fileContainingSymbol":
      return filesAnswer(
        index,
        index.fileContainingSymbol(query.value),
        `symbol not found: ${query.value}`,
      );
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = query.value;
      return filesAnswer(
        index,
        index.fileContainingExtension(containingType, extensionNumber),
        `extension not found: ${containingType} ${extensionNumber}`,
      );
    }
    case "allExtensionNumbersOfType": {
      const numbers = index.extensionNumbers(query.value);
      if (numbers === undefined)
        return errorAnswer(status.NOT_FOUND, `message type not found: ${query.value}`);
      return {
        $case: "allExtensionNumbersResponse",
        value: { baseTypeName: query.value, extensionNumber: numbers },
      };
    }
    case undefined:
      // No request kind this server knows: a newer protocol revision, or an empty request.
      return errorAnswer(status.UNIMPLEMENTED, "request sets no known message_request");
  }
}

function filesAnswer(
  index: DescriptorIndex,
  fileName: string | undefined,
  notFound: string,
): ReflectionAnswer {
  const files = fileName === undefined ? undefined : index.fileWithDependencies(fileName);
  if (files === undefined) return errorAnswer(status.NOT_FOUND, notFound);
  return { $case: "fileDescriptorResponse", value: { fileDescriptorProto: [...files] } };
}

function errorAnswer(code: status, message: string): ReflectionAnswer {
  return { $case: "errorResponse", value: { errorCode: code, errorMessage: message } };
}

/** The sorted service names list_services reports, computed per request. */
function serviceLister(server: Server, services: readonly string[] | undefined): () => string[] {
  const registered = registeredServices(server);
  if (services === undefined && registered === undefined)
    throw new Error(
      "addReflection: cannot read the services registered on this grpc-js Server; " +
        "pass options.services",
    );
  return () => {
    const live = registered?.();
    const names = new Set<string>(services ?? live);
    for (const name of REFLECTION_SERVICE_NAMES) names.add(name);
    if (live?.has(HEALTH_SERVICE_NAME) === true) names.add(HEALTH_SERVICE_NAME);
    return [...names].sort();
  };
}

/**
 * A function returning the names of the services registered on `server`, or undefined when
 * they cannot be read. grpc-js has no public API for this; its Server has kept every
 * registered method in the private map `handlers`, keyed by path ("/pkg.Service/Method"),
 * since 1.0. It is read defensively: should that change, addReflection throws at startup
 * (unless options.services is given) rather than listing nothing.
 */
function registeredServices(server: Server): (() => Set<string>) | undefined {
  const handlers: unknown = Reflect.get(server, "handlers");
  if (!(handlers instanceof Map)) return undefined;
  const byPath = handlers as Map<unknown, unknown>;
  return () => {
    const names = new Set<string>();
    for (const path of byPath.keys()) {
      if (typeof path !== "string") continue;
      const service = /^\/([^/]+)\/[^/]+$/.exec(path)?.[1];
      if (service !== undefined) names.add(service);
    }
    return names;
  };
}
