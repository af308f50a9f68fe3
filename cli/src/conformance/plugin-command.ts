// The --plugin flag: "PATH [extra args]", split as a shell would split simple words
// (whitespace, single and double quotes, backslash escapes), without running a shell.
// A .js/.mjs/.cjs PATH runs under this Node (compiled plugins are not executable files).

export class PluginCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PluginCommandError";
  }
}

export interface PluginCommand {
  /** What is executed. */
  readonly file: string;
  /** Its arguments before the plugin flags (the script, for a .js plugin). */
  readonly args: readonly string[];
}

/** Splits `text` into words; throws PluginCommandError on an unclosed quote. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === "\\" && i + 1 < text.length && '"\\$`'.includes(text.charAt(i + 1)))
        word += text.charAt(++i);
      else word += c;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= "";
    } else if (c === "\\" && i + 1 < text.length) {
      word = (word ?? "") + text.charAt(++i);
    } else {
      word = (word ?? "") + c;
    }
  }
  if (quote !== undefined)
    throw new PluginCommandError(`unclosed ${quote} in ${JSON.stringify(text)}`);
  if (word !== undefined) words.push(word);
  return words;
}

export function parsePluginCommand(text: string, nodePath = process.execPath): PluginCommand {
  const [path, ...extra] = splitWords(text);
  if (path === undefined || path === "") throw new PluginCommandError("--plugin is empty");
  if (/\.[cm]?js$/.test(path)) return { file: nodePath, args: [path, ...extra] };
  return { file: path, args: extra };
}
