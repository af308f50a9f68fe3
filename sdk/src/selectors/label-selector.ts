// Label selectors as Kubernetes writes them: the string form used by List/Watch requests
// and `-l` ("app=web,tier!=db,env in (prod,staging),!canary,release") and the structured
// form of LabelSelector messages (matchLabels + matchExpressions). Both compile to one
// matcher.
import type { LabelSelector } from "../gen/k8ts/api/v1/meta.js";
import { labelValue, qualifiedName } from "../validation/formats.js";

export type LabelOperator = "In" | "NotIn" | "Exists" | "DoesNotExist";

export interface LabelRequirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

/** A parsed selector: all requirements must hold. No requirements matches everything. */
export interface LabelMatcher {
  readonly requirements: readonly LabelRequirement[];
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  /** The canonical string form (parseable again). */
  toString(): string;
}

export class SelectorParseError extends Error {
  constructor(
    readonly selector: string,
    readonly reason: string,
  ) {
    super(`invalid selector ${JSON.stringify(selector)}: ${reason}`);
    this.name = "SelectorParseError";
  }
}

function matcher(requirements: LabelRequirement[]): LabelMatcher {
  return {
    requirements,
    matches(labels) {
      const l = labels ?? {};
      return requirements.every((r) => {
        const has = Object.prototype.hasOwnProperty.call(l, r.key);
        const v = has ? l[r.key] : undefined;
        switch (r.operator) {
          case "In":
            return v !== undefined && r.values.includes(v);
          case "NotIn":
            return v === undefined || !r.values.includes(v);
          case "Exists":
            return has;
          case "DoesNotExist":
            return !has;
        }
      });
    },
    toString() {
      return requirements.map(requirementText).join(",");
    },
  };
}

function requirementText(r: LabelRequirement): string {
  switch (r.operator) {
    case "Exists":
      return r.key;
    case "DoesNotExist":
      return `!${r.key}`;
    case "In":
      return r.values.length === 1
        ? `${r.key}=${r.values[0] ?? ""}`
        : `${r.key} in (${r.values.join(",")})`;
    case "NotIn":
      return r.values.length === 1
        ? `${r.key}!=${r.values[0] ?? ""}`
        : `${r.key} notin (${r.values.join(",")})`;
  }
}

/** Matches every object. */
export const EVERYTHING: LabelMatcher = matcher([]);

/** Matches no object (an absent LabelSelector in Kubernetes selects nothing). */
export const NOTHING: LabelMatcher = {
  requirements: [],
  matches: () => false,
  toString: () => "<none>",
};

const TOKEN = /\s*(!=|==|=|!|,|\(|\)|[^\s!=,()]+)\s*/y;

/** Parses the string form; throws SelectorParseError naming the problem. */
export function parseLabelSelector(text: string): LabelMatcher {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  const trimmed = text.trim();
  while (TOKEN.lastIndex < trimmed.length) {
    const m = TOKEN.exec(trimmed);
    if (m === null)
      throw new SelectorParseError(text, `unexpected character at ${TOKEN.lastIndex}`);
    tokens.push(m[1] ?? "");
  }
  const reqs: LabelRequirement[] = [];
  let i = 0;
  const peek = (): string | undefined => tokens[i];
  const next = (what: string): string => {
    const t = tokens[i++];
    if (t === undefined) throw new SelectorParseError(text, `expected ${what} at end`);
    return t;
  };
  while (i < tokens.length) {
    let negate = false;
    if (peek() === "!") {
      negate = true;
      i++;
    }
    const key = next("a label key");
    checkKey(text, key);
    const op = peek();
    if (negate) {
      reqs.push({ key, operator: "DoesNotExist", values: [] });
    } else if (op === undefined || op === ",") {
      reqs.push({ key, operator: "Exists", values: [] });
    } else if (op === "=" || op === "==" || op === "!=") {
      i++;
      const value = peek() === undefined || peek() === "," ? "" : next("a value");
      checkValue(text, value);
      reqs.push({ key, operator: op === "!=" ? "NotIn" : "In", values: [value] });
    } else if (op === "in" || op === "notin") {
      i++;
      if (next("(") !== "(") throw new SelectorParseError(text, `expected "(" after ${op}`);
      const values: string[] = [];
      for (;;) {
        const t = next("a value or )");
        if (t === ")") break;
        if (t === ",") continue;
        checkValue(text, t);
        values.push(t);
      }
      if (values.length === 0) throw new SelectorParseError(text, `${op} needs at least one value`);
      reqs.push({ key, operator: op === "in" ? "In" : "NotIn", values });
    } else {
      throw new SelectorParseError(
        text,
        `unexpected ${JSON.stringify(op)} after ${JSON.stringify(key)}`,
      );
    }
    if (i < tokens.length) {
      if (next(",") !== ",")
        throw new SelectorParseError(text, `expected "," after ${JSON.stringify(key)}`);
      if (i >= tokens.length) throw new SelectorParseError(text, "trailing ','");
    }
  }
  return matcher(reqs);
}

function checkKey(text: string, key: string): void {
  const bad = qualifiedName(key);
  if (bad !== undefined) throw new SelectorParseError(text, `key ${JSON.stringify(key)}: ${bad}`);
}

function checkValue(text: string, value: string): void {
  const bad = labelValue(value);
  if (bad !== undefined)
    throw new SelectorParseError(text, `value ${JSON.stringify(value)}: ${bad}`);
}

/**
 * The matcher of a LabelSelector message. `undefined` selects nothing, `{}` everything,
 * as in Kubernetes.
 */
export function labelSelectorMatcher(selector: LabelSelector | undefined): LabelMatcher {
  if (selector === undefined) return NOTHING;
  const reqs: LabelRequirement[] = Object.entries(selector.matchLabels)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({ key, operator: "In" as const, values: [value] }));
  for (const e of selector.matchExpressions) {
    const operator = e.operator as LabelOperator;
    reqs.push({ key: e.key, operator, values: [...e.values] });
  }
  return matcher(reqs);
}
