/** Turns a snapshot into what the views and the JSON API show: exact strings, masked emails. */
import { maskEmail } from "../core/redact.ts";
import {
  average,
  formatCount,
  formatMoney,
  money,
  percent,
  subtractMoney,
} from "../core/money.ts";
import type { CustomerRow, GroupRow, TotalsRow } from "../store/queries.ts";
import type { Snapshot } from "../store/snapshot.ts";
import { charts, type ChartView } from "./charts.ts";
import type { PartitionLag } from "./lag.ts";

/** The refresh intervals offered, in seconds, and "off". */
export const REFRESH_CHOICES = ["off", "1", "2", "5", "10", "30", "60"] as const;
/** A refresh interval choice. */
export type Refresh = (typeof REFRESH_CHOICES)[number];
/** The interval used when the URL names none (or an unknown one). */
export const DEFAULT_REFRESH: Refresh = "5";

/** Reads ?refresh=N, falling back to the default for anything not offered. */
export function parseRefresh(text: string | undefined | null): Refresh {
  return (REFRESH_CHOICES as readonly string[]).includes(text ?? "")
    ? text as Refresh
    : DEFAULT_REFRESH;
}

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
    lastSaleAt: t.last_sale_at ? t.last_sale_at.toISOString() : null,
  };
}

/** One KPI tile: `value` is the machine-readable number, `display` the formatted text. */
export interface Kpi {
  name: string;
  label: string;
  value: string;
  display: string;
}

/** The ten KPI tiles in page order. */
export function kpis(s: Summary): Kpi[] {
  const count = (name: string, label: string, n: number): Kpi => ({
    name,
    label,
    value: String(n),
    display: formatCount(n),
  });
  const cash = (name: string, label: string, amount: string): Kpi => ({
    name,
    label,
    value: amount,
    display: formatMoney(amount),
  });
  return [
    count("sales", "Sales", s.sales),
    cash("revenue", "Revenue", s.revenue),
    cash("cost", "Cost", s.cost),
    cash("profit", "Profit", s.profit),
    { name: "margin", label: "Margin", value: s.margin, display: `${s.margin} %` },
    cash("aov", "Average order", s.aov),
    count("customers", "Customers", s.customers),
    count("products", "Products", s.products),
    count("categories", "Categories", s.categories),
    count("rejected", "Rejected messages", s.rejected),
  ];
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

/** A recent sale for display: masked email, card company and last four digits only. */
export interface RecentView {
  saleId: string;
  time: string;
  customer: string;
  email: string;
  product: string;
  category: string;
  price: string;
  card: string;
  place: string;
}

/** The recent sales for display. */
export function recentSales(snapshot: Snapshot): RecentView[] {
  return snapshot.recent.map((r) => ({
    saleId: r.sale_id,
    time: clock(r.sold_at),
    customer: `${r.first_name} ${r.last_name}`,
    email: maskEmail(r.email),
    product: r.product,
    category: r.category,
    price: formatMoney(r.sale_price),
    card: `${r.card_company} •••• ${r.card_last4}`,
    place: `${r.city}, ${r.state}`,
  }));
}

/** Local wall-clock time HH:MM:SS of the server. */
export function clock(at: Date): string {
  return [at.getHours(), at.getMinutes(), at.getSeconds()]
    .map((n) => String(n).padStart(2, "0")).join(":");
}

/** Everything one render of the page needs. */
export interface DashboardView {
  refresh: Refresh;
  /** null until the first snapshot has been read */
  summary: Summary | null;
  kpis: Kpi[];
  charts: ChartView[];
  customers: CustomerView[];
  recent: RecentView[];
  asOf: Date | null;
  /** null when Kafka cannot tell the end offsets */
  lag: PartitionLag[] | null;
  /** the banner's sentence when PostgreSQL is unreachable */
  problem: string | null;
}

/** Builds the page's data from the store's state and the lag. */
export function dashboardView(
  state: { snapshot: Snapshot | null; problem: string | null },
  lag: PartitionLag[] | null,
  refresh: Refresh,
): DashboardView {
  const s = state.snapshot;
  const summary = s ? summarize(s.totals) : null;
  return {
    refresh,
    summary,
    kpis: summary ? kpis(summary) : [],
    charts: s ? charts(s) : [],
    customers: s ? s.customers.map(customerView) : [],
    recent: s ? recentSales(s) : [],
    asOf: s?.asOf ?? null,
    lag,
    problem: state.problem,
  };
}
