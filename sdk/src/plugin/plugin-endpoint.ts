// Where a plugin serves: a unix socket, written as an endpoint "unix:///run/k8ts/x.sock"
// (as CRI endpoints are) or as a plain absolute path. The kernel limits a socket path to
// 108 bytes including its terminating NUL, so a longer path fails here, naming it, rather
// than as an obscure bind error.
import { FlagError } from "../process/flags.js";

/** Longest unix socket path in bytes (sun_path is 108 bytes with the NUL). */
export const MAX_UNIX_SOCKET_PATH = 107;

/** The socket path of `endpoint` ("unix:///abs/path" or "/abs/path"). Throws FlagError. */
export function unixSocketPath(endpoint: string, flag = "endpoint"): string {
  const path = endpoint.startsWith("unix://") ? endpoint.slice("unix://".length) : endpoint;
  if (!path.startsWith("/"))
    throw new FlagError(
      `--${flag}: ${JSON.stringify(endpoint)} is not unix:///ABSOLUTE/PATH or an absolute path`,
    );
  const bytes = Buffer.byteLength(path);
  if (bytes > MAX_UNIX_SOCKET_PATH)
    throw new FlagError(
      `--${flag}: socket path ${path} is ${bytes} bytes; unix socket paths are at most ${MAX_UNIX_SOCKET_PATH}`,
    );
  return path;
}

/** The grpc-js target for a socket path. */
export function unixTarget(path: string): string {
  return `unix://${path}`;
}
