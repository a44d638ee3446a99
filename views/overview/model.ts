/** The overview page's model: reads a selection's snapshot and the end offsets, and shapes them for its panels. */
import { maskEmail } from "../../lib/core/redact.ts";
import { formatMoney } from "../../lib/core/money.ts";
import { US_STATES } from "../../lib/core/us_states.ts";
import {
  DEFAULT_TIME_ZONE,
  localDate,
  zoneAbbreviation,
  zonedShort,
} from "../../lib/core/zoned_time.ts";
import { consumerLag, type PartitionLag } from "../../lib/consume/lag.ts";
import type { Snapshot, SnapshotState } from "../../lib/store/snapshot.ts";
import type { ChartView } from "../shared/chart_data.ts";
import {
  clock,
  countKpi,
  type Kpi,
  kpiChange,
  type KpiUnit,
  moneyKpi,
  percentKpi,
} from "../shared/display.ts";
import {
  type CustomerView,
  customerView,
  type ProductView,
  productView,
  retentionView,
  summarize,
  type Summary,
} from "../shared/figures.ts";
import type { PageSources } from "../shared/page.ts";
import { parseRefresh, type Refresh, REFRESH_CHOICES } from "../shared/refresh.ts";
import { type ReplicaView, replicaView } from "../shared/replica_status.tsx";
import {
  apiQuery,
  FILTER_NAMES,
  type FilterName,
  type PageSelection,
  pageSelection,
  type RangeChoice,
  rangeChoice,
  selectionLink,
} from "../shared/url_selection.ts";
import { charts } from "./charts.ts";

/** The eleven KPI tiles in page order: name, label, unit, and whether lower is better. */
const TILES: [keyof Summary, string, KpiUnit, boolean][] = [
  ["sales", "Sales", "count", false],
  ["revenue", "Revenue", "money", false],
  ["cost", "Cost", "money", true],
  ["profit", "Profit", "money", false],
  ["margin", "Margin", "percent", false],
  ["aov", "Average order", "money", false],
  ["customers", "Customers", "count", false],
  ["products", "Products", "count", false],
  ["categories", "Categories", "count", false],
  ["rejected", "Rejected messages", "count", true],
  ["untrusted", "Untrusted timestamps", "count", true],
];

/** KPI names that mean nothing without revenue (or sales): shown as "—", never compared. */
const NEEDS_REVENUE = new Set<keyof Summary>(["margin", "aov"]);

/** The eleven KPI tiles in page order, each with its change against `previous` when given. */
function kpis(s: Summary, previous: Summary | null): Kpi[] {
  const hasRevenue = (x: Summary) => x.revenue !== "0.00" && x.sales > 0;
  return TILES.map(([name, label, unit, lowerIsBetter]) => {
    const value = String(s[name]);
    const kpi = unit === "money"
      ? moneyKpi(name, label, value)
      : unit === "percent"
      ? percentKpi(name, label, value)
      : countKpi(name, label, value);
    if (NEEDS_REVENUE.has(name) && !hasRevenue(s)) {
      return {
        ...kpi,
        display: "—",
        exact: name === "margin" ? "No revenue in this selection" : "No sales in this selection",
      };
    }
    if (!previous) return kpi;
    if (NEEDS_REVENUE.has(name) && !hasRevenue(previous)) {
      return { ...kpi, noChange: "no revenue before" };
    }
    return { ...kpi, change: kpiChange(unit, value, String(previous[name]), lowerIsBetter) };
  });
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

/** The recent sales for display, times in the page's zone. */
function recentSales(snapshot: Snapshot, timeZone: string): RecentView[] {
  return snapshot.recent.map((r) => ({
    saleId: r.sale_id,
    time: clock(r.sold_at, timeZone),
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
  /** the value as shown (a state's name, a product's name) */
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
  /** the range's ends as shown: "12-05 09:00 to 12-05 10:00 EST"; empty for all time */
  span: string;
  /** the date inputs' values (YYYY-MM-DD in the zone): the range's first and last day */
  fromDate: string;
  toDate: string;
  /** the zone, as named in the URL or by the server, and its short name now */
  timeZone: string;
  zoneName: string;
  chips: Chip[];
  /** the active filters, for the controls' hidden inputs */
  filters: { name: FilterName; value: string }[];
  /** the zone when the URL named one, for the controls' hidden input */
  tzParam: string | null;
}

/** What the KPI tiles are compared with: the previous period's span, or none (all time). */
export interface ComparisonView {
  /** "12-05 08:00 to 09:00 EST" */
  span: string;
}

/** Everything one render of the page needs. */
export interface OverviewView {
  refresh: Refresh;
  selection: SelectionView;
  /** null until the first snapshot has been read */
  summary: Summary | null;
  /** the previous period's KPI numbers (the API's `previous`); null for all time */
  previous: Summary | null;
  comparison: ComparisonView | null;
  kpis: Kpi[];
  charts: ChartView[];
  customers: CustomerView[];
  products: ProductView[];
  recent: RecentView[];
  asOf: Date | null;
  /** null when Kafka cannot tell the end offsets */
  lag: PartitionLag[] | null;
  /** the banner's sentence when PostgreSQL is unreachable */
  problem: string | null;
  /** "No sales match State: California in the last hour." when a narrowed selection is empty */
  empty: string | null;
  /** a drill-down link to the page filtered to a product */
  productLink: (id: number) => string;
  /** the CSV download of the summary and each breakdown for this selection */
  csv: { summary: string; product: string; customer: string };
  /** how far behind its primary the read replica read is; null when reading the primary */
  replica: ReplicaView | null;
  /** a sentence when the selection reaches before the sales retention kept; else null */
  retention: string | null;
}

/** What the overview is built from; the same objects give the same page. */
export interface OverviewInputs {
  state: SnapshotState;
  endOffsets: Map<number, string> | null;
  /** the server's zone (DASHBOARD_TIME_ZONE) */
  timeZone: string;
}

/** Reads the selection's snapshot and the end offsets together (throws SelectionError on a bad date). */
export async function readOverview(
  sources: PageSources,
  query: URLSearchParams,
): Promise<OverviewInputs> {
  const timeZone = sources.timeZone ?? DEFAULT_TIME_ZONE;
  const { spec } = pageSelection(query, timeZone);
  const [state, endOffsets] = await Promise.all([
    sources.stores.get(spec).read(),
    sources.endOffsets ? sources.endOffsets.read() : Promise.resolve(null),
  ]);
  return { state, endOffsets, timeZone };
}

/** Builds the overview from its inputs for the URL's query (?refresh=, ?range=, filters). */
export function overviewOf(
  { state, endOffsets, timeZone }: OverviewInputs,
  query: URLSearchParams,
): OverviewView {
  const s = state.snapshot;
  const picked = pageSelection(query, timeZone);
  const refresh = parseRefresh(query.get("refresh"));
  const refreshGiven = (REFRESH_CHOICES as readonly string[]).includes(query.get("refresh") ?? "")
    ? refresh
    : undefined;
  const link = (changes: Record<string, string | null>) =>
    selectionLink(picked, changes, refreshGiven);
  const summary = s ? summarize(s.totals) : null;
  const previous = s?.previous ? summarize(s.previous.totals) : null;
  const zone = picked.timeZone;
  const csv = (kind: string) =>
    `/api/${kind === "summary" ? "summary" : `breakdown/${kind}`}${
      apiQuery(picked, kind === "summary" ? { format: "csv" } : { format: "csv", limit: "1000" })
    }`;
  const selection = selectionView(picked, s, link);
  return {
    refresh,
    selection,
    summary,
    previous,
    comparison: s?.previous
      ? { span: spanText(s.previous.selection.fromMinute, s.previous.selection.toMinute, zone) }
      : null,
    kpis: summary ? kpis(summary, previous) : [],
    charts: s
      ? charts(s, {
        drill: (filter, value) => link({ [filter]: value }),
        csv: (kind) => csv(kind),
        timeZone: zone,
      })
      : [],
    customers: s ? s.customers.map(customerView) : [],
    products: s ? s.products.map(productView) : [],
    recent: s ? recentSales(s, zone) : [],
    asOf: s?.asOf ?? null,
    lag: s ? consumerLag(endOffsets, s.offsets, s.stuck) : null,
    problem: state.problem,
    empty: summary && summary.sales === 0 && (picked.params.some(([n]) => n !== "tz"))
      ? emptySentence(selection)
      : null,
    productLink: (id) => link({ product: String(id) }),
    csv: { summary: csv("summary"), product: csv("product"), customer: csv("customer") },
    replica: replicaView(s?.replica, state.problem, zone),
    retention: s ? retentionSentence(s, zone) : null,
  };
}

/**
 * "Sales filed before 2025-02-01 00:00 UTC were dropped by retention (kept: 400d): ..." when the
 * selection's figures reach before the first moment kept; null otherwise.
 */
function retentionSentence(snapshot: Snapshot, zone: string): string | null {
  const view = retentionView(snapshot.retention, snapshot.selection);
  if (view.selectionComplete || view.oldestKept === null) return null;
  const kept = new Date(view.oldestKept);
  const when = `${localDate(kept, zone)} ${zonedShort(kept, zone, false)}`;
  return `Sales filed before ${when} ${zoneAbbreviation(kept, zone)} ` +
    `were dropped by retention${view.keep ? ` (kept: ${view.keep})` : ""}: this selection counts ` +
    "only the sales from then on. All time without filters still counts every sale.";
}

/** "No sales match State: California, Card: Visa in the last hour." */
function emptySentence(selection: SelectionView): string {
  const filters = selection.chips.map((c) => `${c.label}: ${c.display}`).join(", ");
  const range = selection.range === "all"
    ? "over all time"
    : selection.span
    ? `in ${selection.label.toLowerCase()} (${selection.span})`
    : `in ${selection.label.toLowerCase()}`;
  return filters ? `No sales match ${filters} ${range}.` : `No sales ${range}.`;
}

/** A range's ends in the zone: "09:00 to 10:00 UTC", with dates when they differ or span days. */
function spanText(fromMinute: number | null, toMinute: number | null, zone: string): string {
  if (fromMinute === null && toMinute === null) return "";
  const from = fromMinute === null ? null : new Date(fromMinute * 60_000);
  const to = toMinute === null ? null : new Date(toMinute * 60_000);
  const name = zoneAbbreviation(to ?? from!, zone);
  const sameDay = from && to && localDate(from, zone) === localDate(to, zone);
  const end = (at: Date | null) => (at ? zonedShort(at, zone, !sameDay) : "…");
  return `${end(from)} to ${end(to)} ${name}`;
}

/** The picked range with its minutes (from the snapshot) and a chip per filter. */
function selectionView(
  picked: PageSelection,
  snapshot: Snapshot | null,
  link: (changes: Record<string, string | null>) => string,
): SelectionView {
  const sel = snapshot?.selection;
  const zone = picked.timeZone;
  const minute = (m: number | null | undefined) =>
    m === null || m === undefined ? null : new Date(m * 60_000);
  const filters = FILTER_NAMES.flatMap(({ name }) => {
    const value = picked.filters[name];
    return value === undefined ? [] : [{ name, value: String(value) }];
  });
  const from = minute(sel?.fromMinute);
  const to = minute(sel?.toMinute);
  const productName = (id: string) =>
    snapshot?.products.find((p) => p.key === id)?.label ?? `#${id}`;
  return {
    range: picked.range,
    label: rangeChoice(picked.range).label,
    from,
    to,
    span: spanText(sel?.fromMinute ?? null, sel?.toMinute ?? null, zone),
    fromDate: from ? localDate(from, zone) : picked.from.slice(0, 10),
    toDate: to ? localDate(new Date(to.getTime() - 60_000), zone) : picked.to.slice(0, 10),
    timeZone: zone,
    zoneName: zoneAbbreviation(snapshot?.asOf ?? new Date(0), zone),
    filters,
    tzParam: picked.params.find(([n]) => n === "tz")?.[1] ?? null,
    chips: filters.map(({ name, value }) => ({
      name,
      label: FILTER_NAMES.find((f) => f.name === name)!.label,
      value,
      display: name === "state"
        ? US_STATES[value] ?? value
        : name === "product"
        ? productName(value)
        : value,
      removeHref: link({ [name]: null }),
    })),
  };
}
