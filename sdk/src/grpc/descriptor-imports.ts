// Whether a set of proto files is complete: every file it imports is in it. Checked when a
// server registers reflection, so a set built without its imports fails at start rather
// than in a client resolving a reference later.

/**
 * A descriptor set in which some import does not resolve. Served as is, clients would fail
 * with "file ... included an unresolvable reference"; build the set with its imports
 * (`buf build`, without --exclude-imports).
 */
export class IncompleteDescriptorSetError extends Error {
  override readonly name = "IncompleteDescriptorSetError";
}

/** A file's name and the names of the files it imports. */
export interface FileImports {
  readonly name: string;
  readonly dependency: readonly string[];
}

/** Throws IncompleteDescriptorSetError when a file imports one not among `files`. */
export function checkImports(files: Iterable<FileImports>): void {
  const list = [...files];
  const names = new Set(list.map((f) => f.name));
  for (const file of list)
    for (const dependency of file.dependency)
      if (!names.has(dependency))
        throw new IncompleteDescriptorSetError(
          `descriptor set lacks ${dependency}, imported by ${file.name}; ` +
            "build it with its imports (buf build without --exclude-imports)",
        );
}
