/** The store's rows as the exact figures the pages and the JSON API show: KPI numbers, groups, customers (emails masked). */
import { average, money, percent, subtractMoney } from "../../lib/core/money.ts";
import { maskEmail } from "../../lib/core/redact.ts";
import type { CustomerRow, GroupRow, ProductRow, TotalsRow } from "../../lib/store/queries.ts";
import { reachesPastRetention, type RetentionState } from "../../lib/store/retention.ts";
import { isEverything, type Selection } from "../../lib/store/selection.ts";

/** The KPI numbers; money as strings with two decimals, counts as numbers. */
export interface Summary {
  sales: number;
  revenue: string;
  cost: string;
  profit: string;
  /** profit / revenue in percent, two decimals */
  margin: string;
  /** average order value: revenue / sales */
  aov: string;
  customers: number;
  products: number;
  categories: number;
  rejected: number;
  duplicates: number;
  /**
   * sales filed at the time the consumer read them, by why their record's timestamp was not
   * trusted: more than CONSUMER_CLOCK_TOLERANCE ahead of its clock, or before 2000-01-01
   */
  untrustedTimes: { ahead: number; tooOld: number };
  /** untrustedTimes.ahead + untrustedTimes.tooOld */
  untrusted: number;
  lastSaleAt: string | null;
}

/** The totals row as KPI numbers. */
export function summarize(t: TotalsRow): Summary {
  const revenue = money(t.revenue);
  const cost = money(t.cost);
  const profit = subtractMoney(revenue, cost);
  return {
    sales: Number(t.sales_count),
    revenue,
    cost,
    profit,
    margin: percent(profit, revenue),
    aov: average(revenue, t.sales_count),
    customers: Number(t.customers),
    products: Number(t.products),
    categories: Number(t.categories),
    rejected: Number(t.rejected),
    duplicates: Number(t.duplicates),
    untrustedTimes: { ahead: Number(t.time_ahead), tooOld: Number(t.time_too_old) },
    untrusted: Number(t.time_ahead) + Number(t.time_too_old),
    lastSaleAt: t.last_sale_at ? t.last_sale_at.toISOString() : null,
  };
}

/**
 * What retention keeps, for the API and the page: its setting (`keep`, like "400d"; null: keep
 * everything), the first moment whose sales are kept (`oldestKept`; null: nothing was dropped),
 * the de-duplication horizon (`dedupHorizon`: a copy of a sale filed before it, arriving now, is
 * counted again; the same moment, since ids go with their month) and whether the selection's
 * figures hold every sale it covers (`selectionComplete`: false when it reads the minute log from
 * before `oldestKept`; all time without filters reads the all-time figures, which keep them).
 */
export interface RetentionView {
  keep: string | null;
  oldestKept: string | null;
  dedupHorizon: string | null;
  selectionComplete: boolean;
}

/** The retention part of a snapshot for a selection. */
export function retentionView(state: RetentionState | undefined, sel: Selection): RetentionView {
  const kept = state?.keptFrom?.toISOString() ?? null;
  return {
    keep: state?.keep ?? null,
    oldestKept: kept,
    dedupHorizon: kept,
    selectionComplete: !reachesPastRetention(state, { ...sel, everything: isEverything(sel) }),
  };
}

/** A group of an aggregate table for the JSON API and the charts. */
export interface Breakdown {
  key: string;
  label: string;
  sales: number;
  revenue: string;
  cost: string;
  profit: string;
}

/** An aggregate row with exact profit. */
export function breakdown(row: GroupRow): Breakdown {
  const revenue = money(row.revenue);
  const cost = money(row.cost);
  return {
    key: row.key,
    label: row.label,
    sales: Number(row.sales_count),
    revenue,
    cost,
    profit: subtractMoney(revenue, cost),
  };
}

/** A top customer; the email is masked. */
export interface CustomerView {
  name: string;
  email: string;
  state: string;
  purchases: number;
  revenue: string;
  averagePurchase: string;
}

/** A customer row for display and the API, with the email masked. */
export function customerView(row: CustomerRow): CustomerView {
  return {
    name: `${row.first_name} ${row.last_name}`,
    email: maskEmail(row.email),
    state: row.state,
    purchases: Number(row.sales_count),
    revenue: money(row.revenue),
    averagePurchase: average(row.revenue, row.sales_count),
  };
}

/** A top product: its id and name, category, units sold and exact money. */
export interface ProductView {
  id: number;
  name: string;
  category: string;
  units: number;
  revenue: string;
  cost: string;
  profit: string;
}

/** A product row with exact profit. */
export function productView(row: ProductRow): ProductView {
  const revenue = money(row.revenue);
  const cost = money(row.cost);
  return {
    id: Number(row.key),
    name: row.label,
    category: row.category,
    units: Number(row.sales_count),
    revenue,
    cost,
    profit: subtractMoney(revenue, cost),
  };
}
