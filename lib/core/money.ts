/** Exact money: whole cents as BigInt, decimal strings with two places, and their display form. */

/** Formats cents as a decimal string with two places ("1234.05"). */
export function centsToDecimal(cents: number | bigint): string {
  const c = BigInt(cents);
  const sign = c < 0n ? "-" : "";
  const abs = c < 0n ? -c : c;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}

/** Parses a numeric string from PostgreSQL ("1234.5") into exact cents. */
export function decimalToCents(value: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!m) throw new RangeError(`not a money amount: ${value}`);
  const cents = BigInt(m[2]!) * 100n + BigInt((m[3] ?? "0").padEnd(2, "0"));
  return m[1] ? -cents : cents;
}

/** A numeric string from PostgreSQL normalised to two decimals ("12.5" -> "12.50"). */
export function money(decimal: string): string {
  return centsToDecimal(decimalToCents(decimal));
}

/** a - b for two decimal strings, exactly. */
export function subtractMoney(a: string, b: string): string {
  return centsToDecimal(decimalToCents(a) - decimalToCents(b));
}

/** numerator / denominator rounded half away from zero; 0n when the denominator is 0. */
function divideRounded(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) return 0n;
  const negative = (numerator < 0n) !== (denominator < 0n);
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (2n * n + d) / (2n * d);
  return negative ? -q : q;
}

/** The share a/b as a percentage with two decimals ("42.13"); "0.00" when b is 0. */
export function percent(a: string, b: string): string {
  return centsToDecimal(divideRounded(decimalToCents(a) * 10_000n, decimalToCents(b)));
}

/** A money amount divided by a count, in cents rounded half up ("0.00" for a count of 0). */
export function average(total: string, count: string | number): string {
  return centsToDecimal(divideRounded(decimalToCents(total), BigInt(count)));
}

/** A decimal string for display with thousands separators and a dollar sign ("$1,234.50"). */
export function formatMoney(decimal: string): string {
  const [whole = "0", cents = "00"] = money(decimal).split(".");
  const negative = whole.startsWith("-");
  const digits = negative ? whole.slice(1) : whole;
  return `${negative ? "-" : ""}$${groupThousands(digits)}.${cents}`;
}

/** A whole number (as text or number) with thousands separators ("12,345"). */
export function formatCount(value: string | number): string {
  const text = String(value);
  return text.startsWith("-") ? `-${groupThousands(text.slice(1))}` : groupThousands(text);
}

/** Orders two decimal amounts: negative when a < b, 0 when equal, positive when a > b. */
export function compareMoney(a: string, b: string): number {
  const d = decimalToCents(a) - decimalToCents(b);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}
