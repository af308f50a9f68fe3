// Why a patch cannot be applied, one class per answer a caller gives: the apiserver maps
// InvalidPatchError to INVALID_ARGUMENT and PatchTestFailedError to ABORTED by class,
// never by message.

/**
 * The patch is malformed (not JSON data, an unknown operation or directive, a missing
 * merge key, a `__proto__` key, nesting deeper than MAX_PATCH_DEPTH) or does not fit the
 * object (a JSON patch path that does not exist). The client must change the patch.
 */
export class InvalidPatchError extends Error {
  constructor(
    /** What is wrong, without the location, e.g. `path does not exist`. */
    readonly problem: string,
    /**
     * Where: a JSON pointer (`/spec/replicas`) for JSON patch, a field path
     * (`spec.template.spec.containers[0]`) for merge and strategic merge patches; "" = the
     * whole patch.
     */
    readonly path: string,
    /** 0-based index of the failing operation of a JSON patch. */
    readonly operation?: number,
  ) {
    super(InvalidPatchError.describe(problem, path, operation));
    this.name = "InvalidPatchError";
  }

  private static describe(problem: string, path: string, operation: number | undefined): string {
    const op = operation === undefined ? "" : `operation ${operation}: `;
    const where = path === "" ? "" : `${path}: `;
    return `invalid patch: ${op}${where}${problem}`;
  }
}

/**
 * A JSON patch `test` operation found a different value (or none) at its path: the object
 * is not in the state the client expected. Nothing is applied; the client may read the
 * object again and retry.
 */
export class PatchTestFailedError extends Error {
  constructor(
    /** 0-based index of the failing `test` operation. */
    readonly operation: number,
    /** The JSON pointer the operation tested. */
    readonly path: string,
    /** What was found, e.g. `found 3`, `no value`. */
    readonly found: string,
  ) {
    super(
      `patch test failed: operation ${operation}: ${path === "" ? "the document" : path}: ${found}`,
    );
    this.name = "PatchTestFailedError";
  }
}
