// /bench.RawEcho/Echo: bytes in, the same bytes out, no codec on either side. Served by
// the bare server to measure the transport alone.
import type { ServiceDefinition } from "@grpc/grpc-js";

export const RAW_ECHO_PATH = "/bench.RawEcho/Echo";

const identity = (b: Buffer): Buffer => b;

export const RAW_ECHO_SERVICE: ServiceDefinition = {
  echo: {
    path: RAW_ECHO_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};
