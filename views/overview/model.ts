/** The overview page's model: reads a selection's snapshot and the end offsets, and shapes them for its panels. */
import { maskEmail } from "../../lib/core/redact.ts";
import { formatMoney } from "../../lib/core/money.ts";
import { US_STATES } from "../../lib/core/us_states.ts";
import { consumerLag, type PartitionLag } from "../../lib/consume/lag.ts";
import type { Snapshot, SnapshotState } from "../../lib/store/snapshot.ts";
import type { ChartView } from "../shared/chart_data.ts";
import { clock, countKpi, type Kpi, moneyKpi, percentKpi } from "../shared/display.ts";
import { type CustomerView, customerView, summarize, type Summary } from "../shared/figures.ts";
import type { PageSources } from "../shared/page.ts";
import { parseRefresh, type Refresh } from "../shared/refresh.ts";
import { type ReplicaView, replicaView } from "../shared/replica_status.tsx";
import {
  FILTER_NAMES,
  type FilterName,
  type PageSelection,
  pageSelection,
  queryWith,
  type RangeChoice,
  rangeChoice,
} from "../shared/url_selection.ts";
import { charts } from "./charts.ts";

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
  /** how far behind its primary the read replica read is; null when reading the primary */
  replica: ReplicaView | null;
}

/** What the overview is built from; the same objects give the same page. */
export interface OverviewInputs {
  state: SnapshotState;
  endOffsets: Map<number, string> | null;
}

/** Reads the selection's snapshot and the end offsets together. */
export async function readOverview(
  sources: PageSources,
  query: URLSearchParams,
): Promise<OverviewInputs> {
  const { spec } = pageSelection(query);
  const [state, endOffsets] = await Promise.all([
    sources.stores.get(spec).read(),
    sources.endOffsets ? sources.endOffsets.read() : Promise.resolve(null),
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
    replica: replicaView(s?.replica, state.problem),
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
