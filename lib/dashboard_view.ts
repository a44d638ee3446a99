/** Turns a snapshot into what the views and the JSON API show: exact strings, masked emails. */
import { maskEmail } from "./redact.ts";
import { US_STATES } from "./us_states.ts";
import {
  average,
  formatCount,
  formatMoney,
  money,
  percent,
  subtractMoney,
} from "./dashboard_money.ts";
import type { CustomerRow, GroupRow, TotalsRow } from "./dashboard_queries.ts";
import { firstMinute, MINUTES_SHOWN, type Snapshot } from "./dashboard_snapshot.ts";
import type { PartitionLag } from "./dashboard_lag.ts";

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

/** Census FIPS codes of the 50 states and DC, as us-atlas' states-10m.json ids them. */
// deno-fmt-ignore
export const STATE_FIPS: Readonly<Record<string, string>> = {
  AL: "01", AK: "02", AZ: "04", AR: "05", CA: "06", CO: "08", CT: "09", DE: "10", DC: "11",
  FL: "12", GA: "13", HI: "15", ID: "16", IL: "17", IN: "18", IA: "19", KS: "20", KY: "21",
  LA: "22", ME: "23", MD: "24", MA: "25", MI: "26", MN: "27", MS: "28", MO: "29", MT: "30",
  NE: "31", NV: "32", NH: "33", NJ: "34", NM: "35", NY: "36", NC: "37", ND: "38", OH: "39",
  OK: "40", OR: "41", PA: "42", RI: "44", SC: "45", SD: "46", TN: "47", TX: "48", UT: "49",
  VT: "50", VA: "51", WA: "53", WV: "54", WI: "55", WY: "56",
};

/** What a chart canvas carries: its kind, labels, series of decimal strings and optional ids. */
export interface ChartView {
  name: string;
  title: string;
  kind: "doughnut" | "bar" | "choropleth" | "line";
  labels: string[];
  series: { label: string; values: string[] }[];
  /** map charts: the us-atlas feature id of each label */
  ids?: string[];
}

/** The six charts of the page, in page order. */
export function charts(snapshot: Snapshot): ChartView[] {
  const categories = snapshot.categories.map(breakdown);
  const states = new Map(snapshot.states.map((row) => [row.key, money(row.revenue)]));
  const stateCodes = Object.keys(STATE_FIPS);
  const cities = snapshot.cities.map(breakdown);
  const cards = snapshot.cards.map(breakdown);
  const minutes = minuteSeries(snapshot);
  return [
    {
      name: "revenue-by-category",
      title: "Revenue by category",
      kind: "doughnut",
      labels: categories.map((c) => c.label),
      series: [{ label: "Revenue", values: categories.map((c) => c.revenue) }],
    },
    {
      name: "profit-by-category",
      title: "Profit by category",
      kind: "bar",
      labels: categories.map((c) => c.label),
      series: [{ label: "Profit", values: categories.map((c) => c.profit) }],
    },
    {
      name: "revenue-by-state",
      title: "Revenue by state",
      kind: "choropleth",
      labels: stateCodes.map((code) => US_STATES[code]!),
      ids: stateCodes.map((code) => STATE_FIPS[code]!),
      series: [{ label: "Revenue", values: stateCodes.map((code) => states.get(code) ?? "0.00") }],
    },
    {
      name: "top-cities",
      title: "Top 10 cities by revenue",
      kind: "bar",
      labels: cities.map((c) => c.label),
      series: [{ label: "Revenue", values: cities.map((c) => c.revenue) }],
    },
    {
      name: "card-usage",
      title: "Card company usage",
      kind: "doughnut",
      labels: cards.map((c) => c.label),
      series: [{ label: "Sales", values: cards.map((c) => String(c.sales)) }],
    },
    {
      name: "sales-per-minute",
      title: "Sales and revenue per minute, last hour",
      kind: "line",
      labels: minutes.map((m) => m.label),
      series: [
        { label: "Sales", values: minutes.map((m) => m.sales) },
        { label: "Revenue", values: minutes.map((m) => m.revenue) },
      ],
    },
  ];
}

/** Sixty minutes ending at the snapshot's minute, zero where nothing sold. */
export function minuteSeries(snapshot: Snapshot) {
  const byMinute = new Map(snapshot.minutes.map((m) => [m.minute.getTime(), m]));
  const first = firstMinute(snapshot.asOf).getTime();
  return Array.from({ length: MINUTES_SHOWN }, (_, i) => {
    const at = new Date(first + i * 60_000);
    const row = byMinute.get(at.getTime());
    return {
      label: clock(at).slice(0, 5),
      sales: row?.sales_count ?? "0",
      revenue: row ? money(row.revenue) : "0.00",
    };
  });
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
