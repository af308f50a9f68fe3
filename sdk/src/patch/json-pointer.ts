// RFC 6901 JSON pointers, as JSON patch (RFC 6902) uses them: "" is the whole document,
// "/a/b" the member b of the member a; "~1" stands for "/" and "~0" for "~" within a
// token; a list element is named by its decimal index, and "-" names the position after
// the last element (only `add` may use it).
import { InvalidPatchError } from "./errors.js";
import { MAX_PATCH_DEPTH } from "./json-value.js";

/** The reference tokens of `pointer`, unescaped. */
export function parsePointer(pointer: string, operation: number): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/"))
    throw new InvalidPatchError(`a JSON pointer must be "" or start with "/"`, pointer, operation);
  const tokens = pointer.slice(1).split("/");
  if (tokens.length > MAX_PATCH_DEPTH)
    throw new InvalidPatchError(
      `a JSON pointer may have at most ${MAX_PATCH_DEPTH} tokens`,
      pointer,
      operation,
    );
  return tokens.map((token) => {
    if (/~[^01]|~$/.test(token))
      throw new InvalidPatchError(
        `"~" must be followed by "0" or "1" (write "~0" for "~" and "~1" for "/")`,
        pointer,
        operation,
      );
    // Order matters: "~01" is "~1" unescaped, not "/" (RFC 6901 section 4).
    const unescaped = token.replace(/~1/g, "/").replace(/~0/g, "~");
    if (unescaped === "__proto__")
      throw new InvalidPatchError("the key __proto__ is not allowed", pointer, operation);
    return unescaped;
  });
}

/** The pointer of `tokens`, escaped. */
export function formatPointer(tokens: readonly string[]): string {
  return tokens.map((t) => `/${t.replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

/**
 * The index a token names in a list of `length`: a decimal number without leading zeros,
 * at most the last index, or the length when inserting (`forInsert`), where "-" also
 * names the length. undefined when the token names no such index.
 */
export function listIndex(token: string, length: number, forInsert: boolean): number | undefined {
  if (token === "-") return forInsert ? length : undefined;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const index = Number(token);
  const limit = forInsert ? length : length - 1;
  return index <= limit ? index : undefined;
}
