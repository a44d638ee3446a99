/**
 * The expected money figures, computed here in whole cents from the records themselves (never by
 * the code under test): totals, KPI tiles and sums by a key, as the dashboard and the tables show
 * them.
 */
import { centsToDecimal } from "../../lib/core/money.ts";
import type { SaleRecord } from "../../lib/core/sale.ts";

/** Exact cents of a price given as a decimal string or a number with at most two decimals. */
export const cents = (value: string | number) => BigInt(Math.round(Number(value) * 100));

/** Half-up division of non-negative BigInts, as the dashboard rounds. */
export const divide = (a: bigint, b: bigint) => (b === 0n ? 0n : (2n * a + b) / (2n * b));

/** Exact cents of a records list: count, revenue and cost over distinct sale ids. */
export function expectedTotals(records: SaleRecord[]) {
  const seen = new Map<string, SaleRecord>();
  for (const r of records) if (!seen.has(String(r.sale_id))) seen.set(String(r.sale_id), r);
  let revenue = 0n, cost = 0n;
  for (const r of seen.values()) {
    revenue += cents(r.sale_price);
    cost += cents(r.cost_price);
  }
  return { count: seen.size, revenue, cost };
}

/** The money tiles of `count` sales worth `revenue` and costing `cost` cents, as decimal strings. */
export function moneyKpis(revenue: bigint, cost: bigint, count: bigint) {
  const profit = revenue - cost;
  return {
    revenue: centsToDecimal(revenue),
    cost: centsToDecimal(cost),
    profit: centsToDecimal(profit),
    margin: centsToDecimal(divide(profit * 10_000n, revenue)),
    aov: centsToDecimal(divide(revenue, count)),
  };
}

/** The KPI tiles of a list of distinct sales: counts as text, money as decimal strings. */
export function expectedKpis(records: SaleRecord[]) {
  let revenue = 0n, cost = 0n;
  for (const r of records) {
    revenue += cents(r.sale_price);
    cost += cents(r.cost_price);
  }
  const distinct = (key: (r: SaleRecord) => string) => String(new Set(records.map(key)).size);
  return {
    sales: String(records.length),
    ...moneyKpis(revenue, cost, BigInt(records.length)),
    customers: distinct((r) => String(r.email)),
    products: distinct((r) => `${r.category}/${r.product_name}`),
    categories: distinct((r) => String(r.category)),
  };
}

/** The revenue of the records by a key, as decimal strings. */
export function revenueBy(records: SaleRecord[], key: (r: SaleRecord) => string) {
  const sums = new Map<string, bigint>();
  for (const r of records) sums.set(key(r), (sums.get(key(r)) ?? 0n) + cents(r.sale_price));
  return new Map([...sums].map(([k, v]) => [k, centsToDecimal(v)]));
}
