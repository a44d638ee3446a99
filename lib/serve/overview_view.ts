/** The overview page's data: a snapshot turned into exact strings and masked emails, for views and the API. */
import { maskEmail } from "../core/redact.ts";
import { average, formatMoney, money, percent, subtractMoney } from "../core/money.ts";
import type { CustomerRow, GroupRow, TotalsRow } from "../store/queries.ts";
import type { Snapshot, SnapshotState } from "../store/snapshot.ts";
import { US_STATES } from "../core/us_states.ts";
import {
  FILTER_NAMES,
  type FilterName,
  type PageSelection,
  pageSelection,
  queryWith,
  type RangeChoice,
  rangeChoice,
} from "./selection.ts";
import { charts, type ChartView } from "./charts.ts";
import { clock, countKpi, type Kpi, moneyKpi, percentKpi } from "./display.ts";
import type { DashboardDeps } from "./deps.ts";
import { consumerLag, type PartitionLag } from "../consume/lag.ts";
import { parseRefresh, type Refresh } from "./refresh.ts";

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

/** The ten KPI tiles in page order. */
function kpis(s: Summary): Kpi[] {
  return [
    countKpi("sales", "Sales", s.sales),
    moneyKpi("revenue", "Revenue", s.revenue),
    moneyKpi("cost", "Cost", s.cost),
    moneyKpi("profit", "Profit", s.profit),
    percentKpi("margin", "Margin", s.margin),
    moneyKpi("aov", "Average order", s.aov),
    countKpi("customers", "Customers", s.customers),
    countKpi("products", "Products", s.products),
    countKpi("categories", "Categories", s.categories),
    countKpi("rejected", "Rejected messages", s.rejected),
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
function recentSales(snapshot: Snapshot): RecentView[] {
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

/** A removable filter chip: what it filters on, and the URL without it. */
export interface Chip {
  name: FilterName;
  label: string;
  value: string;
  /** the value as shown (a state's name) */
  display: string;
  removeHref: string;
}

/** What the page shows of its selection: the range picked, its minutes, the filter chips. */
export interface SelectionView {
  range: RangeChoice;
  /** "Last hour", "All time", ... */
  label: string;
  /** the range's first minute and end (both null for all time) */
  from: Date | null;
  to: Date | null;
  chips: Chip[];
  /** the active filters, for the controls' hidden inputs */
  filters: { name: FilterName; value: string }[];
}

/** Everything one render of the page needs. */
export interface OverviewView {
  refresh: Refresh;
  selection: SelectionView;
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

/** What the overview is built from; the same objects give the same page. */
export interface OverviewInputs {
  state: SnapshotState;
  endOffsets: Map<number, string> | null;
}

/** Reads the selection's snapshot and the end offsets together. */
export async function readOverview(
  deps: DashboardDeps,
  query: URLSearchParams,
): Promise<OverviewInputs> {
  const { spec } = pageSelection(query);
  const [state, endOffsets] = await Promise.all([
    deps.stores.get(spec).read(),
    deps.endOffsets ? deps.endOffsets.read() : Promise.resolve(null),
  ]);
  return { state, endOffsets };
}

/** Builds the overview from its inputs for the URL's query (?refresh=, ?range=, filters). */
export function overviewOf(
  { state, endOffsets }: OverviewInputs,
  query: URLSearchParams,
): OverviewView {
  const s = state.snapshot;
  const picked = pageSelection(query);
  const summary = s ? summarize(s.totals) : null;
  const drill = (filter: FilterName, value: string) => queryWith(query, { [filter]: value });
  return {
    refresh: parseRefresh(query.get("refresh")),
    selection: selectionView(picked, s, query),
    summary,
    kpis: summary ? kpis(summary) : [],
    charts: s ? charts(s, drill) : [],
    customers: s ? s.customers.map(customerView) : [],
    recent: s ? recentSales(s) : [],
    asOf: s?.asOf ?? null,
    lag: s ? consumerLag(endOffsets, s.offsets, s.stuck) : null,
    problem: state.problem,
  };
}

/** The picked range with its minutes (from the snapshot) and a chip per filter. */
function selectionView(
  picked: PageSelection,
  snapshot: Snapshot | null,
  query: URLSearchParams,
): SelectionView {
  const sel = snapshot?.selection;
  const minute = (m: number | null | undefined) =>
    m === null || m === undefined ? null : new Date(m * 60_000);
  const filters = FILTER_NAMES.flatMap(({ name }) => {
    const value = picked.filters[name];
    return value === undefined ? [] : [{ name, value }];
  });
  return {
    range: picked.range,
    label: rangeChoice(picked.range).label,
    from: minute(sel?.fromMinute),
    to: minute(sel?.toMinute),
    filters,
    chips: filters.map(({ name, value }) => ({
      name,
      label: FILTER_NAMES.find((f) => f.name === name)!.label,
      value,
      display: name === "state" ? US_STATES[value] ?? value : value,
      removeHref: queryWith(query, { [name]: null }),
    })),
  };
}
