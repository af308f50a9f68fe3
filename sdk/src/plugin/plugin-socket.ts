// Binding a gRPC server to a unix socket the way every plugin must: a socket file left by
// a crashed instance is removed, but only after checking that nothing answers on it, so a
// second instance started by mistake fails instead of stealing the first one's socket.
import type { Server } from "@grpc/grpc-js";
import { ServerCredentials } from "@grpc/grpc-js";
import { lstat, mkdir, unlink } from "node:fs/promises";
import { connect } from "node:net";
import { dirname } from "node:path";
import { unixTarget } from "./plugin-endpoint.js";

export class SocketInUseError extends Error {
  constructor(readonly path: string) {
    super(`${path}: another process is serving on this socket`);
    this.name = "SocketInUseError";
  }
}

/** Whether something accepts connections on the unix socket `path`. */
export function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (answers: boolean): void => {
      socket.destroy();
      resolve(answers);
    };
    socket.setTimeout(timeoutMs, () => done(true));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Binds `server` to the unix socket `path` (creating its directory), replacing a stale
 * socket file. Throws SocketInUseError when a live server answers there, and an Error
 * naming the path when it exists but is not a socket.
 */
export async function bindUnixSocket(server: Server, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const existing = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  if (existing !== undefined) {
    if (!existing.isSocket()) throw new Error(`${path} exists and is not a socket`);
    if (await socketAnswers(path)) throw new SocketInUseError(path);
    await unlink(path);
  }
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(unixTarget(path), ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve(),
    );
  });
}
