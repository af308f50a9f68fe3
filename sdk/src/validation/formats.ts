// Named string formats used by FieldRules.format and ResourceInfo.name_format, with the
// messages Kubernetes users know from kubectl. Each check returns undefined when the
// value is valid, or the reason it is not.

export type FormatCheck = (value: string) => string | undefined;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const C_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Kubernetes accepts any printable ASCII except '=' in env var names; we follow it.
const ENV_VAR_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

export function dns1123Label(v: string): string | undefined {
  if (v.length > 63) return "must be no more than 63 characters";
  if (!DNS1123_LABEL.test(v))
    return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name', or '123-abc')";
  return undefined;
}

export function dns1123Subdomain(v: string): string | undefined {
  if (v.length > 253) return "must be no more than 253 characters";
  if (!DNS1123_SUBDOMAIN.test(v))
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com')";
  return undefined;
}

export function dns1035Label(v: string): string | undefined {
  if (v.length > 63) return "must be no more than 63 characters";
  if (!DNS1035_LABEL.test(v))
    return "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', or 'abc-123')";
  return undefined;
}

export function ianaSvcName(v: string): string | undefined {
  if (v.length > 15) return "must be no more than 15 characters";
  if (!IANA_SVC_NAME.test(v))
    return "must contain only lower case alphanumeric characters or '-', and start and end with an alphanumeric character";
  if (v.includes("--")) return "must not contain consecutive hyphens";
  if (!/[a-z]/.test(v)) return "must contain at least one letter (a-z)";
  return undefined;
}

export function cIdentifier(v: string): string | undefined {
  if (!C_IDENTIFIER.test(v))
    return "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_' (e.g. 'my_name', or 'MY_NAME', or 'MyName')";
  return undefined;
}

export function envVarName(v: string): string | undefined {
  if (!ENV_VAR_NAME.test(v))
    return "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";
  return undefined;
}

/** A label or annotation key: an optional DNS subdomain prefix and '/', then a name. */
export function qualifiedName(v: string): string | undefined {
  const parts = v.split("/");
  let name = v;
  if (parts.length === 2) {
    const [prefix = "", rest = ""] = parts;
    if (prefix.length === 0) return "prefix part must be non-empty";
    const bad = dns1123Subdomain(prefix);
    if (bad !== undefined) return `prefix part ${bad}`;
    name = rest;
  } else if (parts.length > 2) {
    return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
  }
  if (name.length === 0) return "name part must be non-empty";
  if (name.length > 63) return "name part must be no more than 63 characters";
  if (!QUALIFIED_NAME_PART.test(name))
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName', or 'my.name', or '123-abc')";
  return undefined;
}

export function labelValue(v: string): string | undefined {
  if (v.length > 63) return "must be no more than 63 characters";
  if (!LABEL_VALUE.test(v))
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue', or 'my_value', or '12345')";
  return undefined;
}

export function ipAddress(v: string): string | undefined {
  return isIPv4(v) || isIPv6(v)
    ? undefined
    : "must be a valid IP address (e.g. 10.9.8.7 or 2001:db8::ffff)";
}

export function cidr(v: string): string | undefined {
  const slash = v.indexOf("/");
  const ip = slash < 0 ? v : v.slice(0, slash);
  const bits = slash < 0 ? "" : v.slice(slash + 1);
  const max = isIPv4(ip) ? 32 : isIPv6(ip) ? 128 : -1;
  if (max < 0 || !/^\d{1,3}$/.test(bits) || Number(bits) > max)
    return "must be a valid CIDR value (e.g. 10.9.8.0/24 or 2001:db8::/64)";
  return undefined;
}

export function duration(v: string): string | undefined {
  return DURATION.test(v) ? undefined : "must be a duration such as 300ms, 1.5h or 2h45m";
}

function isIPv4(v: string): boolean {
  const parts = v.split(".");
  return (
    parts.length === 4 &&
    parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && (p === "0" || !p.startsWith("0")))
  );
}

function isIPv6(v: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(v) || !v.includes(":")) return false;
  const double = v.split("::");
  if (double.length > 2) return false;
  const groups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const head = groups(double[0] ?? "");
  const tail = double.length === 2 ? groups(double[1] ?? "") : [];
  const all = [...head, ...tail];
  let count = all.length;
  const last = all[all.length - 1];
  if (last !== undefined && last.includes(".")) {
    if (!isIPv4(last)) return false;
    count += 1; // an embedded IPv4 address fills two groups
    all.pop();
  }
  if (!all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  return double.length === 2 ? count < 8 : count === 8;
}

export const FORMATS: Readonly<Record<string, FormatCheck>> = {
  "dns1123-label": dns1123Label,
  "dns1123-subdomain": dns1123Subdomain,
  "dns1035-label": dns1035Label,
  "iana-svc-name": ianaSvcName,
  "c-identifier": cIdentifier,
  "env-var-name": envVarName,
  "qualified-name": qualifiedName,
  "label-value": labelValue,
  ip: ipAddress,
  cidr,
  duration,
};
