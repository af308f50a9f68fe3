// gRPC infrastructure every k8ts server registers: server reflection and health checking.
export { addReflection, REFLECTION_SERVICE_NAMES } from "./reflection.js";
export type { ReflectionOptions } from "./reflection.js";
export { IncompleteDescriptorSetError } from "./descriptor-imports.js";
export { descriptorSubset, fileImports } from "./wire-descriptor-set.js";
export {
  decodeReflectionRequest,
  decodeReflectionResponse,
  encodeReflectionRequest,
  encodeReflectionResponse,
  ReflectionV1AlphaService,
  ReflectionV1Service,
} from "./reflection-codec.js";
export type {
  ExtensionRequest,
  ReflectionAnswer,
  ReflectionQuery,
  ReflectionRequest,
  ReflectionResponse,
} from "./reflection-codec.js";
export { addHealth } from "./health.js";
export type { HealthReporter, ReportedStatus } from "./health.js";
export { HEALTH_SERVICE_NAME, HealthService } from "./health-codec.js";
export type {
  HealthCheckRequest,
  HealthCheckResponse,
  HealthListResponse,
  ServingStatus,
} from "./health-codec.js";
export { MalformedMessageError } from "./wire-codec.js";
