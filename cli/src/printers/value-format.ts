// Small values printed as kubectl prints them: label maps, label selectors,
// IntOrString, quantities, ports.
import type { LabelSelector, IntOrString, Quantity } from "@k8ts/sdk/gen/k8ts/api/v1/meta.js";

/** "app=web,tier=front" (keys sorted), "<none>" when empty. */
export function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${labels?.[k] ?? ""}`).join(",");
}

/** "app=web,tier in (a,b),!canary"; "<none>" for an empty or absent selector. */
export function formatLabelSelector(selector: LabelSelector | undefined): string {
  if (selector === undefined) return "<none>";
  const parts: string[] = [];
  for (const k of Object.keys(selector.matchLabels).sort())
    parts.push(`${k}=${selector.matchLabels[k] ?? ""}`);
  for (const r of selector.matchExpressions) {
    const values = [...r.values].sort().join(",");
    switch (r.operator) {
      case "In":
        parts.push(`${r.key} in (${values})`);
        break;
      case "NotIn":
        parts.push(`${r.key} notin (${values})`);
        break;
      case "Exists":
        parts.push(r.key);
        break;
      case "DoesNotExist":
        parts.push(`!${r.key}`);
        break;
      default:
        parts.push(`${r.key} ${r.operator} (${values})`);
    }
  }
  return parts.length === 0 ? "<none>" : parts.join(",");
}

/** 8080, "http", "25%"; "" when unset. */
export function formatIntOrString(value: IntOrString | undefined): string {
  const v = value?.value;
  if (v === undefined) return "";
  return String(v.value);
}

export function formatQuantity(q: Quantity | undefined): string {
  return q?.string ?? "";
}

/** "<none>" for empty text, as kubectl's columns show missing values. */
export function orNone(text: string | undefined): string {
  return text === undefined || text === "" ? "<none>" : text;
}
