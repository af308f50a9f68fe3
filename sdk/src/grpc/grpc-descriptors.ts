// FileDescriptorProtos of the services gRPC itself defines and every k8ts server serves:
// grpc/health/v1/health.proto and grpc/reflection/{v1,v1alpha}/reflection.proto. The API's
// descriptor set does not contain them, but reflection must describe them too, or clients
// cannot call Health/Check without a local copy of its schema. Built in code (no source
// info, hence no comments) because they are a few fixed messages, identical to upstream's
// on the wire.
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { protoCamelCase } from "@bufbuild/protobuf/reflect";
import {
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
  FileDescriptorProtoSchema,
  type DescriptorProtoSchema,
  type DescriptorProto,
  type FieldDescriptorProtoSchema,
  type FileDescriptorProto,
} from "@bufbuild/protobuf/wkt";

type FieldInit = MessageInitShape<typeof FieldDescriptorProtoSchema>;
type MessageInit = MessageInitShape<typeof DescriptorProtoSchema>;
/** The parts of a message besides its name and fields. */
type MessageParts = Pick<
  Exclude<MessageInit, DescriptorProto>,
  "nestedType" | "enumType" | "oneofDecl" | "options"
>;

interface FieldShape {
  /** Full name with a leading dot, for message and enum fields. */
  readonly typeName?: string;
  readonly repeated?: boolean;
  /** Index of the oneof (in the message's oneofDecl) the field belongs to. */
  readonly oneof?: number;
}

function field(name: string, number: number, type: Type, shape: FieldShape = {}): FieldInit {
  return {
    name,
    number,
    type,
    label: shape.repeated === true ? Label.REPEATED : Label.OPTIONAL,
    jsonName: protoCamelCase(name),
    ...(shape.typeName !== undefined && { typeName: shape.typeName }),
    ...(shape.oneof !== undefined && { oneofIndex: shape.oneof }),
  };
}

function message(name: string, fields: FieldInit[], rest: MessageParts = {}): MessageInit {
  return { name, field: fields, ...rest };
}

/** grpc/health/v1/health.proto, with Check, List and Watch. */
export function healthFileDescriptor(): FileDescriptorProto {
  const pkg = "grpc.health.v1";
  const response = `.${pkg}.HealthCheckResponse`;
  return create(FileDescriptorProtoSchema, {
    name: "grpc/health/v1/health.proto",
    package: pkg,
    syntax: "proto3",
    messageType: [
      message("HealthCheckRequest", [field("service", 1, Type.STRING)]),
      message(
        "HealthCheckResponse",
        [field("status", 1, Type.ENUM, { typeName: `${response}.ServingStatus` })],
        {
          enumType: [
            {
              name: "ServingStatus",
              value: [
                { name: "UNKNOWN", number: 0 },
                { name: "SERVING", number: 1 },
                { name: "NOT_SERVING", number: 2 },
                { name: "SERVICE_UNKNOWN", number: 3 },
              ],
            },
          ],
        },
      ),
      message("HealthListRequest", []),
      message(
        "HealthListResponse",
        [
          field("statuses", 1, Type.MESSAGE, {
            typeName: `.${pkg}.HealthListResponse.StatusesEntry`,
            repeated: true,
          }),
        ],
        {
          nestedType: [
            message(
              "StatusesEntry",
              [
                field("key", 1, Type.STRING),
                field("value", 2, Type.MESSAGE, { typeName: response }),
              ],
              { options: { mapEntry: true } },
            ),
          ],
        },
      ),
    ],
    service: [
      {
        name: "Health",
        method: [
          { name: "Check", inputType: `.${pkg}.HealthCheckRequest`, outputType: response },
          {
            name: "List",
            inputType: `.${pkg}.HealthListRequest`,
            outputType: `.${pkg}.HealthListResponse`,
          },
          {
            name: "Watch",
            inputType: `.${pkg}.HealthCheckRequest`,
            outputType: response,
            serverStreaming: true,
          },
        ],
      },
    ],
  });
}

/** grpc/reflection/<version>/reflection.proto (package grpc.reflection.<version>). */
export function reflectionFileDescriptor(version: "v1" | "v1alpha"): FileDescriptorProto {
  const pkg = `grpc.reflection.${version}`;
  const ref = (name: string): string => `.${pkg}.${name}`;
  return create(FileDescriptorProtoSchema, {
    name: `grpc/reflection/${version}/reflection.proto`,
    package: pkg,
    syntax: "proto3",
    ...(version === "v1alpha" && { options: { deprecated: true } }),
    messageType: [
      message(
        "ServerReflectionRequest",
        [
          field("host", 1, Type.STRING),
          field("file_by_filename", 3, Type.STRING, { oneof: 0 }),
          field("file_containing_symbol", 4, Type.STRING, { oneof: 0 }),
          field("file_containing_extension", 5, Type.MESSAGE, {
            typeName: ref("ExtensionRequest"),
            oneof: 0,
          }),
          field("all_extension_numbers_of_type", 6, Type.STRING, { oneof: 0 }),
          field("list_services", 7, Type.STRING, { oneof: 0 }),
        ],
        { oneofDecl: [{ name: "message_request" }] },
      ),
      message("ExtensionRequest", [
        field("containing_type", 1, Type.STRING),
        field("extension_number", 2, Type.INT32),
      ]),
      message(
        "ServerReflectionResponse",
        [
          field("valid_host", 1, Type.STRING),
          field("original_request", 2, Type.MESSAGE, {
            typeName: ref("ServerReflectionRequest"),
          }),
          field("file_descriptor_response", 4, Type.MESSAGE, {
            typeName: ref("FileDescriptorResponse"),
            oneof: 0,
          }),
          field("all_extension_numbers_response", 5, Type.MESSAGE, {
            typeName: ref("ExtensionNumberResponse"),
            oneof: 0,
          }),
          field("list_services_response", 6, Type.MESSAGE, {
            typeName: ref("ListServiceResponse"),
            oneof: 0,
          }),
          field("error_response", 7, Type.MESSAGE, { typeName: ref("ErrorResponse"), oneof: 0 }),
        ],
        { oneofDecl: [{ name: "message_response" }] },
      ),
      message("FileDescriptorResponse", [
        field("file_descriptor_proto", 1, Type.BYTES, { repeated: true }),
      ]),
      message("ExtensionNumberResponse", [
        field("base_type_name", 1, Type.STRING),
        field("extension_number", 2, Type.INT32, { repeated: true }),
      ]),
      message("ListServiceResponse", [
        field("service", 1, Type.MESSAGE, { typeName: ref("ServiceResponse"), repeated: true }),
      ]),
      message("ServiceResponse", [field("name", 1, Type.STRING)]),
      message("ErrorResponse", [
        field("error_code", 1, Type.INT32),
        field("error_message", 2, Type.STRING),
      ]),
    ],
    service: [
      {
        name: "ServerReflection",
        method: [
          {
            name: "ServerReflectionInfo",
            inputType: ref("ServerReflectionRequest"),
            outputType: ref("ServerReflectionResponse"),
            clientStreaming: true,
            serverStreaming: true,
          },
        ],
      },
    ],
  });
}
