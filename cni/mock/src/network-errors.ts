// The failures a caller of the mock network plugin acts on, one class each; mapped to gRPC
// status codes once, in network-service.ts.

/** The request lacks a field or holds a bad one (INVALID_ARGUMENT); names the field. */
export class InvalidRequestError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = "InvalidRequestError";
  }
}

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

/** The allocations file is not one this plugin wrote, or another node's. */
export class StateFileError extends Error {
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = "StateFileError";
  }
}
