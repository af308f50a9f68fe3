// Failures every plugin meets, whatever its contract: a bad request and a state file it
// cannot read. GrpcEdge (grpc-edge.ts) knows their status codes; each plugin defines the
// failures of its own contract next to its code.

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

/**
 * A file in the plugin's state dir is not one it wrote, or another node's (INTERNAL: the
 * plugin refuses to start on it rather than lose what it holds).
 */
export class StateFileError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = "StateFileError";
  }
}
