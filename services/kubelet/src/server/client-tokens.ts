// Who may call the kubelet's API: the bearer tokens of --client-token-file (the apiserver's
// --kubelet-client-token-file holds one of them). Without a token file every caller is
// accepted, as on a single-machine cluster where the kubelet listens on loopback.
import { readFile } from "node:fs/promises";
import type { Metadata } from "@grpc/grpc-js";

/** The token file cannot be used (unreadable, or holds no token). */
export class TokenFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TokenFileError";
  }
}

/** A call without an accepted bearer token. */
export class UnauthenticatedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnauthenticatedError";
  }
}

/** The tokens of a file holding one per line; blank lines and `#` comments are skipped. */
export async function readTokenFile(path: string): Promise<ReadonlySet<string>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new TokenFileError(`cannot read the client token file ${path}`, { cause: e });
  }
  const tokens = new Set<string>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    tokens.add(line);
  }
  if (tokens.size === 0) throw new TokenFileError(`the client token file ${path} holds no token`);
  return tokens;
}

/** Throws UnauthenticatedError unless `metadata` carries `authorization: Bearer T`, T in `tokens`. */
export function checkBearer(metadata: Metadata, tokens: ReadonlySet<string> | undefined): void {
  if (tokens === undefined) return;
  const header = metadata.get("authorization")[0];
  if (typeof header !== "string") throw new UnauthenticatedError("missing bearer token");
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  const token = match?.[1];
  if (token === undefined || !tokens.has(token))
    throw new UnauthenticatedError("invalid bearer token");
}
