// Bearer-token authentication. Tokens come from a static token file in Kubernetes'
// format (one per line: token,user,uid[,"group1,group2"]); a request without a token is
// anonymous only when --allow-anonymous is set (k8ts up does so on a local cluster).
import { readFile } from "node:fs/promises";
import type { Metadata } from "@grpc/grpc-js";
import { UnauthenticatedError } from "../registry/api-errors.js";

export interface User {
  readonly name: string;
  readonly uid: string;
  readonly groups: readonly string[];
}

export const ANONYMOUS: User = {
  name: "system:anonymous",
  uid: "",
  groups: ["system:unauthenticated"],
};

export class TokenFileError extends Error {
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = "TokenFileError";
  }
}

export class TokenAuthenticator {
  constructor(
    private readonly tokens: ReadonlyMap<string, User>,
    private readonly allowAnonymous: boolean,
  ) {}

  static async fromFile(
    path: string | undefined,
    allowAnonymous: boolean,
  ): Promise<TokenAuthenticator> {
    const tokens = new Map<string, User>();
    if (path !== undefined && path !== "") {
      const text = await readFile(path, "utf8");
      text.split("\n").forEach((raw, i) => {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) return;
        const fields = parseCsvLine(line);
        const [token = "", name = "", uid = "", groups = ""] = fields;
        if (token === "" || name === "")
          throw new TokenFileError(path, i + 1, "expected token,user,uid[,groups]");
        if (tokens.has(token)) throw new TokenFileError(path, i + 1, "duplicate token");
        tokens.set(token, { name, uid, groups: groups === "" ? [] : groups.split(",") });
      });
    }
    return new TokenAuthenticator(tokens, allowAnonymous);
  }

  /** The user a request's metadata identifies; UNAUTHENTICATED when it identifies none. */
  authenticate(metadata: Metadata): User {
    const header = metadata.get("authorization")[0];
    if (header === undefined) {
      if (this.allowAnonymous) return ANONYMOUS;
      throw new UnauthenticatedError(
        "missing bearer token (set K8TS_TOKEN or a context with a token)",
      );
    }
    const value = typeof header === "string" ? header : header.toString("utf8");
    const m = /^Bearer\s+(\S+)$/i.exec(value.trim());
    if (m === null)
      throw new UnauthenticatedError("the authorization header must be 'Bearer <token>'");
    const user = this.tokens.get(m[1] ?? "");
    if (user === undefined) throw new UnauthenticatedError("invalid bearer token");
    return user;
  }
}

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === "," && !quoted) {
      out.push(cur.trim());
      cur = "";
    } else cur += c;
  }
  out.push(cur.trim());
  return out;
}
