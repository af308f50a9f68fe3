// Node selector terms (required and preferred node affinity) against a node's labels and
// name: terms are ORed, the requirements of a term ANDed, and an empty term matches no
// node, as in Kubernetes.
import type {
  NodeSelector,
  NodeSelectorRequirement,
  NodeSelectorTerm,
} from "@k8ts/sdk/gen/k8ts/api/v1/scheduling.js";

/** The only field matchFields supports. */
export const NODE_NAME_FIELD = "metadata.name";

const INTEGER = /^[+-]?\d+$/;

function integer(text: string | undefined): bigint | undefined {
  return text !== undefined && INTEGER.test(text) ? BigInt(text) : undefined;
}

/** One requirement against a value (undefined: the label is absent). */
export function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  switch (r.operator) {
    case "In":
      return value !== undefined && r.values.includes(value);
    case "NotIn":
      return value === undefined || !r.values.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      const have = integer(value);
      const want = r.values.length === 1 ? integer(r.values[0]) : undefined;
      if (have === undefined || want === undefined) return false;
      return r.operator === "Gt" ? have > want : have < want;
    }
    default:
      return false;
  }
}

export function nodeSelectorTermMatches(
  term: NodeSelectorTerm,
  labels: Readonly<Record<string, string>>,
  nodeName: string,
): boolean {
  if (term.matchExpressions.length === 0 && term.matchFields.length === 0) return false;
  for (const r of term.matchExpressions)
    if (!requirementMatches(r, Object.hasOwn(labels, r.key) ? labels[r.key] : undefined))
      return false;
  for (const r of term.matchFields) {
    if (r.key !== NODE_NAME_FIELD || (r.operator !== "In" && r.operator !== "NotIn")) return false;
    if (!requirementMatches(r, nodeName)) return false;
  }
  return true;
}

export function nodeSelectorMatches(
  selector: NodeSelector,
  labels: Readonly<Record<string, string>>,
  nodeName: string,
): boolean {
  return selector.nodeSelectorTerms.some((t) => nodeSelectorTermMatches(t, labels, nodeName));
}
