/** Small numeric helpers of the benchmark: rates, percentiles, a text table and a free port. */

/** Microseconds with one decimal, or "n/a" when they could not be measured (NaN). */
export function microseconds(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : "n/a";
}

/** Records per second, rounded to a whole number. */
export function rate(records: number, ms: number): number {
  return ms > 0 ? Math.round(records / (ms / 1000)) : 0;
}

/** The p-th percentile (0-100) of the values, nearest-rank; NaN for no values. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Rounds to the given decimals (for the JSON line). */
export function round(value: number, decimals = 2): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** Formats rows as a text table (first row the header): first and last column left, others right. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const last = widths.length - 1;
  const line = (r: string[]) =>
    r.map((cell, i) => i === 0 || i === last ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))
      .join("  ").trimEnd();
  return [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)]
    .join("\n");
}

/** A number with thousands separators ("123,456"). */
export function thousands(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "-";
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
