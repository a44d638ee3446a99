/** What every page displays the same way: KPI tiles (a machine-readable value and its text) and clock times. */
import { formatCount, formatMoney } from "../../lib/core/money.ts";

/**
 * One KPI tile: `value` is the machine-readable number, `display` the text on the tile, and
 * `exact` the whole formatted value when `display` is its compact form ("$7.0M").
 */
export interface Kpi {
  name: string;
  label: string;
  value: string;
  display: string;
  exact?: string;
}

/**
 * The longest text a tile shows whole; longer values ("$1,000,000.00" and up) are shown in
 * compact form ("$1.0M"), which stays within 7 characters up to trillions.
 */
const MAX_TILE_CHARS = 11;

const compactNumber = new Intl.NumberFormat("en-US", {
  notation: "compact",
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const compactDollars = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  notation: "compact",
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});

/** A tile showing `full`, or `compact(number)` with `full` kept as `exact` when full is too long. */
function tile(
  name: string,
  label: string,
  value: string,
  full: string,
  compact: (n: number) => string,
): Kpi {
  if (full.length <= MAX_TILE_CHARS) return { name, label, value, display: full };
  return { name, label, value, display: compact(Number(value)), exact: full };
}

/** A tile of a whole number ("12,345"; "1.2B" from 1,000,000,000). */
export function countKpi(name: string, label: string, n: number | string): Kpi {
  return tile(name, label, String(n), formatCount(n), (v) => compactNumber.format(v));
}

/** A tile of an amount of money ("$1,234.50"; "$7.0M" from $1,000,000.00). */
export function moneyKpi(name: string, label: string, amount: string): Kpi {
  return tile(name, label, amount, formatMoney(amount), (v) => compactDollars.format(v));
}

/** A tile of a percentage with two decimals ("42.13 %"; "-1.2M %" when huge). */
export function percentKpi(name: string, label: string, percent: string): Kpi {
  return tile(name, label, percent, `${percent} %`, (v) => `${compactNumber.format(v)} %`);
}

/** Local wall-clock time HH:MM:SS of the server. */
export function clock(at: Date): string {
  return [at.getHours(), at.getMinutes(), at.getSeconds()]
    .map((n) => String(n).padStart(2, "0")).join(":");
}
