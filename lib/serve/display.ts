/** What every page displays the same way: KPI tiles (a machine-readable value and its text) and clock times. */
import { formatCount, formatMoney } from "../core/money.ts";

/** One KPI tile: `value` is the machine-readable number, `display` the formatted text. */
export interface Kpi {
  name: string;
  label: string;
  value: string;
  display: string;
}

/** A tile of a whole number ("12,345"). */
export function countKpi(name: string, label: string, n: number | string): Kpi {
  return { name, label, value: String(n), display: formatCount(n) };
}

/** A tile of an amount of money ("$1,234.50"). */
export function moneyKpi(name: string, label: string, amount: string): Kpi {
  return { name, label, value: amount, display: formatMoney(amount) };
}

/** A tile of a percentage with two decimals ("42.13 %"). */
export function percentKpi(name: string, label: string, percent: string): Kpi {
  return { name, label, value: percent, display: `${percent} %` };
}

/** Local wall-clock time HH:MM:SS of the server. */
export function clock(at: Date): string {
  return [at.getHours(), at.getMinutes(), at.getSeconds()]
    .map((n) => String(n).padStart(2, "0")).join(":");
}
