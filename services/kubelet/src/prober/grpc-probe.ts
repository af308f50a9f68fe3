// grpc probe: grpc.health.v1.Health/Check on the pod's address (plaintext, as Kubernetes:
// no TLS, no authentication); SERVING is success. A fresh channel per attempt, so a server
// that stopped accepting connections is noticed, and it is closed afterwards. The timeout
// covers connecting and the call.
import {
  Client,
  credentials,
  Metadata,
  status as grpcStatus,
  type ServiceError,
} from "@grpc/grpc-js";
import { HealthService } from "@k8ts/sdk";
import { PROBE_USER_AGENT } from "./http-probe.js";
import { failure, formatSeconds, success, type ProbeOutcome } from "./probe-outcome.js";
import { joinHostPort } from "./probe-port.js";

export interface GrpcProbeRequest {
  readonly host: string;
  readonly port: number;
  /** Service to ask about; "" is the server as a whole. */
  readonly service: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

const CHANNEL_OPTIONS = {
  // Not shared with other clients of the same address: each attempt connects anew.
  "grpc.use_local_subchannel_pool": 1,
  // Pod addresses are never reached through a proxy.
  "grpc.enable_http_proxy": 0,
  "grpc.primary_user_agent": PROBE_USER_AGENT,
} as const;

function errorMessage(err: ServiceError, address: string, timeoutMs: number): string {
  switch (err.code) {
    case grpcStatus.UNIMPLEMENTED:
      return `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${err.details}`;
    case grpcStatus.DEADLINE_EXCEEDED:
      return `timeout: health rpc did not complete within ${formatSeconds(timeoutMs)}`;
    case grpcStatus.UNAVAILABLE:
      return `error: failed to connect service at "${address}": ${err.details}`;
    default:
      return `error: health rpc probe failed: code = ${grpcStatus[err.code]} desc = ${err.details}`;
  }
}

export function grpcProbe(request: GrpcProbeRequest): Promise<ProbeOutcome> {
  const address = joinHostPort(request.host, request.port);
  const client = new Client(address, credentials.createInsecure(), CHANNEL_OPTIONS);
  const check = HealthService.check;
  return new Promise<ProbeOutcome>((resolve) => {
    const call = client.makeUnaryRequest(
      check.path,
      check.requestSerialize,
      check.responseDeserialize,
      { service: request.service },
      new Metadata(),
      { deadline: Date.now() + request.timeoutMs },
      (err, response) => {
        request.signal?.removeEventListener("abort", cancel);
        client.close();
        if (err !== null) resolve(failure(errorMessage(err, address, request.timeoutMs)));
        else if (response?.status !== "SERVING")
          resolve(failure(`service unhealthy (responded with "${response?.status ?? "UNKNOWN"}")`));
        else resolve(success("service healthy"));
      },
    );
    function cancel(): void {
      call.cancel();
    }
    if (request.signal?.aborted === true) cancel();
    else request.signal?.addEventListener("abort", cancel, { once: true });
  });
}
