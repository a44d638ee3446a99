/**
 * What every page displays the same way: KPI tiles (a machine-readable value, its text, and its
 * change against the previous period) and clock times in the page's zone.
 */
import {
  compareMoney,
  formatCount,
  formatMoney,
  percent,
  subtractMoney,
} from "../../lib/core/money.ts";
import { zonedClock } from "../../lib/core/zoned_time.ts";

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
  /** the change against the previous period (absent: all time, or nothing to compare) */
  change?: KpiChange;
  /** why a previous period's value is not compared ("no revenue before") */
  noChange?: string;
}

/** A KPI's change against the previous period of the same length. */
export interface KpiChange {
  /** the previous period's value (machine-readable) */
  previous: string;
  /** the difference, current minus previous (machine-readable, signed) */
  delta: string;
  /** the difference in percent of the previous value, two decimals; null when it was 0 */
  percent: string | null;
  direction: "up" | "down" | "same";
  /** whether the change is good news (cost and rejected messages are better down) */
  verdict: "better" | "worse" | "same";
  /** the text on the tile: "+$12.50 (+4.20 %)" */
  display: string;
  /** the sentence for screen readers and the tile's title */
  sentence: string;
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

/** Wall-clock time HH:MM:SS in the page's zone, followed by the zone's name ("14:03:22 UTC"). */
export function clock(at: Date, timeZone: string): string {
  return zonedClock(at, timeZone);
}

/** How a KPI's value is written: an amount, a count, or a percentage (changes in points). */
export type KpiUnit = "money" | "count" | "percent";

/**
 * The change of a value against the previous period's: difference and percent exact from the
 * decimal strings; `lowerIsBetter` for cost and rejected messages.
 */
export function kpiChange(
  unit: KpiUnit,
  current: string,
  previous: string,
  lowerIsBetter = false,
): KpiChange {
  const asMoney = (v: string) => (unit === "count" ? `${v}.00` : v);
  const delta = subtractMoney(asMoney(current), asMoney(previous));
  const sign = compareMoney(delta, "0.00");
  const direction = sign > 0 ? "up" : sign < 0 ? "down" : "same";
  const magnitude = delta.replace(/^-/, "");
  const base = asMoney(previous).replace(/^-/, "");
  const pct = unit === "percent" || compareMoney(base, "0.00") === 0 ? null : percent(delta, base);
  const plus = sign > 0 ? "+" : sign < 0 ? "−" : "±";
  const amount = unit === "money"
    ? formatMoney(magnitude)
    : unit === "count"
    ? formatCount(magnitude.replace(/\.00$/, ""))
    : `${magnitude}\u00a0pp`;
  const pctText = pct === null ? "" : ` (${plus}${pct.replace(/^-/, "")}\u00a0%)`;
  const verdict = direction === "same"
    ? "same"
    : (direction === "down") === lowerIsBetter
    ? "better"
    : "worse";
  const words = direction === "same"
    ? "unchanged from the previous period"
    : `${direction} ${amount}${pct === null ? "" : `, ${pct.replace(/^-/, "")} %`} from the ` +
      "previous period";
  return {
    previous,
    delta: unit === "count" ? delta.replace(/\.00$/, "") : delta,
    percent: pct,
    direction,
    verdict,
    display: `${plus}${amount}${pctText}`,
    sentence: `${words} (${
      unit === "money"
        ? formatMoney(previous)
        : unit === "count"
        ? formatCount(previous)
        : `${previous} %`
    } before)`,
  };
}
