// Kubernetes resource quantities ("500m", "256Mi", "1.5Gi", "1e3"), parsed once into an
// exact value and printed in canonical form, the way Kubernetes does it:
//   <quantity> ::= <signedNumber><suffix>
//   <suffix>   ::= Ki | Mi | Gi | Ti | Pi | Ei | m | "" | k | M | G | T | P | E | e<signedNumber>
// Values are kept as an exact count of thousandths (milli-units) in a bigint. Like
// Kubernetes, anything finer than 1m is rounded up to the next milli-unit.

/** How a quantity was written; canonical printing keeps the family of suffixes. */
export type QuantityFormat = "BinarySI" | "DecimalSI" | "DecimalExponent";

export interface Quantity {
  /** Exact value in thousandths of a unit (1 CPU = 1000n, 1Ki = 1024000n). */
  readonly milli: bigint;
  readonly format: QuantityFormat;
}

export class QuantityError extends Error {
  constructor(readonly input: string) {
    super(`"${input}" is not a quantity (examples: 500m, 256Mi, 1.5Gi, 2)`);
    this.name = "QuantityError";
  }
}

const BINARY: ReadonlyArray<readonly [string, bigint]> = [
  ["Ki", 1n << 10n],
  ["Mi", 1n << 20n],
  ["Gi", 1n << 30n],
  ["Ti", 1n << 40n],
  ["Pi", 1n << 50n],
  ["Ei", 1n << 60n],
];
const DECIMAL: ReadonlyArray<readonly [string, number]> = [
  ["m", -3],
  ["", 0],
  ["k", 3],
  ["M", 6],
  ["G", 9],
  ["T", 12],
  ["P", 15],
  ["E", 18],
];

// Refuse absurd magnitudes up front: they are never a real resource amount and bigint
// arithmetic on them would let one manifest burn CPU.
const MAX_EXPONENT = 30;
const QUANTITY_RE = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  // a >= 0, b > 0
  return (a + b - 1n) / b;
}

/** Parses a quantity; throws QuantityError naming the input when it is malformed. */
export function parseQuantity(input: string | number): Quantity {
  const text = typeof input === "number" ? numberText(input) : input;
  const m = QUANTITY_RE.exec(text);
  if (m === null) throw new QuantityError(text);
  const sign = m[1] === "-" ? -1n : 1n;
  const whole = m[2] ?? "";
  const frac = m[3] ?? "";
  const suffix = m[4] ?? "";
  if (whole === "" && frac === "") throw new QuantityError(text);
  if (whole.length + frac.length > 40) throw new QuantityError(text);

  // digits = whole.frac as an integer scaled by 10^-frac.length
  const digits = BigInt((whole === "" ? "0" : whole) + frac);
  let format: QuantityFormat;
  let numerator: bigint; // value * 1000 * 10^frac.length, then divided below
  let denominator = pow10(frac.length);

  const binary = BINARY.find(([s]) => s === suffix);
  if (binary !== undefined) {
    format = "BinarySI";
    numerator = digits * binary[1] * 1000n;
  } else if (suffix.startsWith("e") || suffix.startsWith("E")) {
    format = "DecimalExponent";
    const exp = Number(suffix.slice(1));
    if (!Number.isSafeInteger(exp) || Math.abs(exp) > MAX_EXPONENT) throw new QuantityError(text);
    const scaled = exp + 3;
    if (scaled >= 0) numerator = digits * pow10(scaled);
    else {
      numerator = digits;
      denominator *= pow10(-scaled);
    }
  } else {
    format = "DecimalSI";
    const dec = DECIMAL.find(([s]) => s === suffix);
    if (dec === undefined) throw new QuantityError(text);
    numerator = digits * pow10(dec[1] + 3);
  }
  const milli = ceilDiv(numerator, denominator);
  return { milli: milli === 0n ? 0n : sign * milli, format };
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  // Numbers from YAML/JSON: print without exponent where possible so the regex sees them.
  const s = String(n);
  if (!s.includes("e")) return s;
  return n.toFixed(20).replace(/\.?0+$/, "");
}

/** Prints a quantity in Kubernetes' canonical form ("1536Mi", "500m", "2", "1e3"). */
export function formatQuantity(q: Quantity): string {
  if (q.milli === 0n) return "0";
  const neg = q.milli < 0n;
  const abs = neg ? -q.milli : q.milli;
  return (neg ? "-" : "") + formatPositive(abs, q.format);
}

function formatPositive(milli: bigint, format: QuantityFormat): string {
  if (format === "BinarySI" && milli % 1000n === 0n) {
    const units = milli / 1000n;
    for (let i = BINARY.length - 1; i >= 0; i--) {
      const entry = BINARY[i];
      if (entry !== undefined && units % entry[1] === 0n) return `${units / entry[1]}${entry[0]}`;
    }
    return `${units}`;
  }
  if (format === "DecimalExponent") {
    for (let exp = 18; exp >= -3; exp -= 3) {
      const div = pow10(exp + 3);
      if (milli % div === 0n) return exp === 0 ? `${milli / div}` : `${milli / div}e${exp}`;
    }
  }
  // DecimalSI, and binary values with a fractional part (as Kubernetes does).
  for (let i = DECIMAL.length - 1; i >= 0; i--) {
    const entry = DECIMAL[i];
    if (entry === undefined) continue;
    const div = pow10(entry[1] + 3);
    if (milli % div === 0n) return `${milli / div}${entry[0]}`;
  }
  return `${milli}m`;
}

/** Parses and re-prints: the canonical text of a quantity. */
export function canonicalQuantity(input: string | number): string {
  return formatQuantity(parseQuantity(input));
}

/** Value rounded up to a whole unit (Kubernetes' Quantity.Value()). */
export function quantityValue(q: Quantity): bigint {
  if (q.milli >= 0n) return ceilDiv(q.milli, 1000n);
  return -(-q.milli / 1000n);
}

/** Compares two quantities: negative, zero or positive. */
export function compareQuantities(a: Quantity, b: Quantity): number {
  return a.milli < b.milli ? -1 : a.milli > b.milli ? 1 : 0;
}
