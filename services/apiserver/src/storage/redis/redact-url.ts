// Server URLs appear in errors and logs; their passwords must not.

/** The URL without its password (or the input, if it is not a URL). */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.toString().replace(/\/$/, "");
}
