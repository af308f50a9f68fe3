// The failures a caller of the mock network plugin acts on, one class each; mapped to gRPC
// status codes once, in network-service.ts. A bad request and an unreadable state file are
// the SDK's InvalidRequestError and StateFileError, as in every plugin.

/** The pod CIDR has no free address (RESOURCE_EXHAUSTED). */
export class PoolExhaustedError extends Error {
  constructor(cidr: string, allocated: number) {
    super(`no free address in ${cidr} (${allocated} allocated)`);
    this.name = "PoolExhaustedError";
  }
}

/** No allocation for the sandbox (NOT_FOUND). */
export class UnknownSandboxError extends Error {
  constructor(sandboxId: string) {
    super(`no network for sandbox ${JSON.stringify(sandboxId)}`);
    this.name = "UnknownSandboxError";
  }
}
