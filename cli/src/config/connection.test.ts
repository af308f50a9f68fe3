import { describe, expect, it } from "vitest";
import type { CliConfig } from "./config-file.js";
import { resolveConnection } from "./connection.js";

const config: CliConfig = {
  currentContext: "test",
  contexts: [
    { name: "test", server: "127.0.0.1:6443", namespace: "blog" },
    { name: "prod", server: "10.0.0.5:6443", token: "from-context" },
  ],
};

describe("where a command connects", () => {
  it("takes the flag over the environment over the context", () => {
    const env = { K8TS_SERVER: "env:1", K8TS_TOKEN: "env-token" };
    expect(resolveConnection({ server: "flag:1", token: "flag-token" }, env, config)).toMatchObject(
      {
        server: "flag:1",
        token: "flag-token",
      },
    );
    expect(resolveConnection({}, env, config)).toMatchObject({
      server: "env:1",
      token: "env-token",
    });
    expect(resolveConnection({ context: "prod" }, {}, config)).toMatchObject({
      server: "10.0.0.5:6443",
      token: "from-context",
      context: "prod",
    });
  });

  it("uses the current context, else the server `k8ts up` starts", () => {
    expect(resolveConnection({}, {}, config)).toMatchObject({
      server: "127.0.0.1:6443",
      context: "test",
    });
    const none = resolveConnection({}, {}, { contexts: [] });
    expect(none).toEqual({
      server: "127.0.0.1:6443",
      namespace: "default",
      namespaceExplicit: false,
    });
  });

  it("defaults the namespace: -n, then the context's, then default", () => {
    expect(resolveConnection({ namespace: "x" }, {}, config)).toMatchObject({
      namespace: "x",
      namespaceExplicit: true,
    });
    expect(resolveConnection({}, {}, config).namespace).toBe("blog");
    expect(resolveConnection({ context: "prod" }, {}, config).namespace).toBe("default");
  });

  it("refuses a --context that does not exist", () => {
    expect(() => resolveConnection({ context: "nope" }, {}, config)).toThrow(
      'context "nope" does not exist',
    );
  });
});
