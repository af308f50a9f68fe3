// The streaming calls of Pods (Logs, Exec) over the session's server and token, and how
// their failures read. The pod was read just before (so the server answered); a failure
// now comes from the server or the kubelet behind it, and is worded as kubectl words
// failures of the pod's log and exec subresources.
import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { ApiStatusError } from "@k8ts/sdk";
import { PodsClient, PodsService } from "@k8ts/sdk/gen/k8ts/api/v1/pod_service.js";
import { CliFailure } from "../errors/cli-error.js";
import type { Session } from "../session.js";

export class PodStreams {
  readonly client: PodsClient;

  constructor(private readonly session: Session) {
    this.client = new PodsClient(session.connection.server, credentials.createInsecure(), {
      "grpc.keepalive_time_ms": 30_000,
      "grpc.keepalive_timeout_ms": 10_000,
    });
  }

  metadata(): Metadata {
    const md = new Metadata();
    const token = this.session.connection.token;
    if (token !== undefined && token !== "") md.set("authorization", `Bearer ${token}`);
    return md;
  }

  close(): void {
    this.client.close();
  }

  /** The lines to print for a failed Logs or Exec call. */
  failure(e: ServiceError, method: "logs" | "exec"): CliFailure {
    const path = method === "logs" ? PodsService.logs.path : PodsService.exec.path;
    const error = ApiStatusError.from(e, path);
    // Wrong state or request of the pod's containers: kubectl's BadRequest.
    if (
      error.code === status.FAILED_PRECONDITION ||
      (error.code === status.INVALID_ARGUMENT && error.violations.length === 0)
    )
      return new CliFailure([`Error from server (BadRequest): ${error.message}`]);
    // The apiserver answered: the kubelet behind it is what cannot be reached.
    if (error.code === status.UNAVAILABLE)
      return new CliFailure([`Error from server (ServiceUnavailable): ${error.message}`]);
    return this.session.failure(error);
  }
}
