// tcpSocket probe: opening a TCP connection within the timeout is success; the connection
// is closed at once, nothing is sent.
import net from "node:net";
import { failure, formatSeconds, success, type ProbeOutcome } from "./probe-outcome.js";
import { joinHostPort } from "./probe-port.js";

export interface TcpProbeRequest {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export function tcpProbe(request: TcpProbeRequest): Promise<ProbeOutcome> {
  const address = joinHostPort(request.host, request.port);
  return new Promise<ProbeOutcome>((resolve) => {
    let done = false;
    const socket = net.connect({ host: request.host, port: request.port });
    const finish = (outcome: ProbeOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = (): void => finish(failure(`dial tcp ${address}: cancelled`));
    const timer = setTimeout(
      () =>
        finish(
          failure(`dial tcp ${address}: i/o timeout after ${formatSeconds(request.timeoutMs)}`),
        ),
      request.timeoutMs,
    );
    socket.once("connect", () => finish(success()));
    // Kept for the socket's life: an error after the outcome is decided changes nothing.
    socket.on("error", (err) => finish(failure(`dial tcp ${address}: ${err.message}`)));
    if (request.signal?.aborted === true) onAbort();
    else request.signal?.addEventListener("abort", onAbort, { once: true });
  });
}
