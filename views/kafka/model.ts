/** The /kafka page's model: reads the report topics and PostgreSQL's counts, and shapes the rows as exact decimal strings and masked customers. */
import { DEFAULT_TIME_ZONE } from "../../lib/core/zoned_time.ts";
import { average, compareMoney, money, percent, subtractMoney } from "../../lib/core/money.ts";
import type { ReportsState } from "../../lib/reports/retrying_reader.ts";
import type { Reports } from "../../lib/reports/read.ts";
import { type ReportName, REPORTS, reportTopic } from "../../lib/reports/topics.ts";
import { EVERYTHING } from "../../lib/store/selection.ts";
import type { SnapshotState } from "../../lib/store/snapshot.ts";
import {
  cardChart,
  categoryCharts,
  type ChartView,
  stateRevenueChart,
  topCitiesChart,
} from "../shared/chart_data.ts";
import { countKpi, type Kpi, moneyKpi, percentKpi } from "../shared/display.ts";
import { summarize, type Summary } from "../shared/figures.ts";
import type { PageSources } from "../shared/page.ts";
import { parseRefresh, type Refresh } from "../shared/refresh.ts";
import { pageTimeZone } from "../shared/url_selection.ts";

/** Rows in the top-N lists of the /kafka page. */
const REPORT_TOP_N = 10;

/** One report row as published: whatever JSON the reports process wrote for a key. */
type Row = Record<string, unknown>;

/** A customer of customer_insights: keyed by a hash, shown by a masked email. */
export interface ReportCustomer {
  key: string;
  customer: string;
  purchases: number;
  totalSpent: string;
  averagePurchase: string;
}

/** One dimension value of a report (category, state, city) with its count and exact money. */
export interface ReportGroup {
  label: string;
  sales: number;
  revenue: string;
  cost: string;
  profit: string;
}

/** A report topic and how many keys it holds now. */
export interface ReportTopic {
  report: ReportName;
  topic: string;
  keys: number;
}

/** The note above the panels: Kafka unreachable, topics still being read, or nothing published yet. */
export interface ReportsNotice {
  kind: "kafka" | "loading" | "empty";
  text: string;
}

/** Everything one render of the /kafka page needs. */
export interface ReportsView {
  refresh: Refresh;
  prefix: string;
  /** the total_sales_summary tiles; empty before the report holds a row */
  kpis: Kpi[];
  /** sales, product and category counts from PostgreSQL; empty until sales_totals was read */
  postgres: Kpi[];
  charts: ChartView[];
  /** sales_by_category, highest revenue first */
  categories: ReportGroup[];
  customers: ReportCustomer[];
  topics: ReportTopic[];
  /** when the report values were taken from the reader */
  asOf: Date;
  /** the zone times are shown in */
  timeZone: string;
  notice: ReportsNotice | null;
  /** the sentence when PostgreSQL is unreachable (its counts are then the last good ones) */
  problem: string | null;
}

/** What the page is built from: the reader's state, the PostgreSQL summary, Kafka's answer. */
export interface ReportsInput {
  state: ReportsState;
  prefix: string;
  summary: Summary | null;
  problem: string | null;
  /** false when Kafka did not answer the dashboard's last request; null when not asked */
  kafkaAnswers: boolean | null;
  refresh: Refresh;
  asOf: Date;
  timeZone: string;
}

/** Builds the /kafka page's data. */
function reportsView(input: ReportsInput): ReportsView {
  const reports = input.state.reports;
  return {
    refresh: input.refresh,
    prefix: input.prefix,
    kpis: reports ? reportKpis(reports) : [],
    postgres: input.summary ? postgresKpis(input.summary) : [],
    charts: reports ? reportCharts(reports) : [],
    categories: reports ? sortBy(reports.sales_by_category.map(group("category")), byRevenue) : [],
    customers: reports ? topCustomers(reports.customer_insights, REPORT_TOP_N) : [],
    topics: REPORTS.map((report) => ({
      report,
      topic: reportTopic(report, input.prefix),
      keys: reports?.[report].length ?? 0,
    })),
    asOf: input.asOf,
    timeZone: input.timeZone,
    notice: notice(input),
    problem: input.problem,
  };
}

/** The note for the state of Kafka and the report topics, or null when all is well. */
function notice(input: ReportsInput): ReportsNotice | null {
  const { reports, caughtUp, problem, missing } = input.state;
  const startReports = "Start `deno task reports`" +
    (input.prefix ? ` with REPORT_TOPIC_PREFIX=${input.prefix}` : "") + ".";
  if (!reports && missing) {
    return {
      kind: "empty",
      text: `No report data yet: the report topics do not exist yet. ${startReports}`,
    };
  }
  if (!reports) {
    return {
      kind: "kafka",
      text: `No report data yet: ${problem ?? "the report topics are not read"}. ` +
        "Retrying on every refresh.",
    };
  }
  if (input.kafkaAnswers === false) {
    return {
      kind: "kafka",
      text: "Kafka is unreachable: showing the report values read last; retrying on every refresh.",
    };
  }
  if (!caughtUp) {
    return { kind: "loading", text: "Reading the report topics; the numbers are still growing." };
  }
  if (REPORTS.every((r) => reports[r].length === 0)) {
    return {
      kind: "empty",
      text: `No report data yet: the report topics are empty. ${startReports}`,
    };
  }
  return null;
}

/** The summary tiles from total_sales_summary (and the customer count of customer_insights). */
function reportKpis(reports: Reports): Kpi[] {
  const total = reports.total_sales_summary[0];
  if (!total) return [];
  const sales = count(total.sales_count);
  const revenue = cash(total.revenue);
  const cost = cash(total.cost);
  const profit = subtractMoney(revenue, cost);
  const margin = percent(profit, revenue);
  const tiles: Kpi[] = [
    countKpi("sales", "Sales", sales),
    moneyKpi("revenue", "Revenue", revenue),
    moneyKpi("cost", "Cost", cost),
    moneyKpi("profit", "Profit", profit),
    percentKpi("margin", "Margin", margin),
    moneyKpi("aov", "Average order", average(revenue, sales)),
    countKpi("customers", "Customers", reports.customer_insights.length),
  ];
  if (total.rejected !== undefined) {
    tiles.push(countKpi("rejected", "Rejected messages", count(total.rejected)));
  }
  return tiles;
}

/** The PostgreSQL counts shown beside the reports, named apart from the report tiles. */
function postgresKpis(summary: Summary): Kpi[] {
  return [
    countKpi("postgres-sales", "Sales", summary.sales),
    countKpi("postgres-products", "Products", summary.products),
    countKpi("postgres-categories", "Categories", summary.categories),
  ];
}

/** The six charts of the /kafka page, in page order (names shared with the main page's kinds). */
function reportCharts(reports: Reports): ChartView[] {
  const categories = sortBy(reports.sales_by_category.map(group("category")), byRevenue);
  const states = new Map(reports.sales_by_state.map((r) => [text(r.state), cash(r.revenue)]));
  const cities = sortBy(
    reports.sales_by_city.map((r) => ({ ...group("city")(r), label: cityLabel(r) })),
    byRevenue,
  ).slice(0, REPORT_TOP_N);
  const cards = reports.credit_card_usage.map((r) => ({
    label: text(r.card_company),
    sales: count(r.sales_count),
    amount: cash(r.amount),
  }));
  const byUse = sortBy(cards, (a, b) => b.sales - a.sales || compareText(a.label, b.label));
  const byAmount = sortBy(cards, (a, b) => compareMoney(b.amount, a.amount) || a.sales - b.sales);
  return [
    ...categoryCharts(categories),
    stateRevenueChart(states),
    topCitiesChart(cities, `Top ${REPORT_TOP_N} cities by revenue`),
    cardChart(
      "card-usage",
      "Card company usage (sales)",
      byUse.map((c) => ({ label: c.label, value: String(c.sales) })),
      { label: "Sales", unit: "count" },
    ),
    cardChart(
      "card-amount",
      "Amount paid by card company",
      byAmount.map((c) => ({ label: c.label, value: c.amount })),
      { label: "Amount", unit: "money" },
    ),
  ];
}

/** The customers with the most purchases (then the highest total, then the key). */
function topCustomers(rows: Row[], limit: number): ReportCustomer[] {
  const customers = rows.map((r) => ({
    key: text(r.customer_key),
    customer: text(r.customer),
    purchases: count(r.purchases),
    totalSpent: cash(r.total_spent),
    averagePurchase: cash(r.average_purchase),
  }));
  return sortBy(
    customers,
    (a, b) =>
      b.purchases - a.purchases || compareMoney(b.totalSpent, a.totalSpent) ||
      compareText(a.key, b.key),
  ).slice(0, limit);
}

/** A dimension row's label (from `field`), count and exact money. */
function group(field: string) {
  return (r: Row): ReportGroup => {
    const revenue = cash(r.revenue);
    const cost = cash(r.cost);
    return {
      label: text(r[field]),
      sales: count(r.sales_count),
      revenue,
      cost,
      profit: subtractMoney(revenue, cost),
    };
  };
}

function cityLabel(r: Row): string {
  return `${text(r.city)}, ${text(r.state)}`;
}

function byRevenue(a: { label: string; revenue: string }, b: { label: string; revenue: string }) {
  return compareMoney(b.revenue, a.revenue) || compareText(a.label, b.label);
}

function sortBy<T>(items: T[], compare: (a: T, b: T) => number): T[] {
  return [...items].sort(compare);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A text field of a row ("" when missing). */
function text(value: unknown): string {
  return typeof value === "string" ? value : value === undefined ? "" : String(value);
}

/** A count field of a row (0 when it is not a whole number). */
function count(value: unknown): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/** A money field of a row as an exact two-decimal string ("0.00" when it is not an amount). */
function cash(value: unknown): string {
  if (typeof value !== "string" && typeof value !== "number") return "0.00";
  try {
    return money(String(value));
  } catch {
    return "0.00";
  }
}

/** What /kafka is built from: the report topics, PostgreSQL's counts and Kafka's answer. */
export interface ReportsPageInputs {
  state: ReportsState;
  prefix: string;
  store: SnapshotState;
  /** Kafka's end offsets: null when Kafka did not answer, undefined when not asked */
  endOffsets: Map<number, string> | null | undefined;
  asOf: Date;
  /** the server's zone (DASHBOARD_TIME_ZONE) */
  timeZone: string;
}

/** What /kafka shows when the server reads no report topics. */
const NOT_READ: ReportsState = {
  reports: null,
  caughtUp: false,
  problem: "this server does not read the report topics",
  missing: false,
};

/** Reads the report topics, the PostgreSQL counts and Kafka's health together for /kafka. */
export async function readReportsPage(sources: PageSources): Promise<ReportsPageInputs> {
  const [state, store, endOffsets] = await Promise.all([
    sources.reports ? sources.reports.read() : Promise.resolve(NOT_READ),
    sources.stores.get(EVERYTHING).read(),
    sources.endOffsets ? sources.endOffsets.read() : Promise.resolve(undefined),
  ]);
  return {
    state,
    prefix: sources.reports?.prefix ?? "",
    store,
    endOffsets,
    asOf: new Date(),
    timeZone: sources.timeZone ?? DEFAULT_TIME_ZONE,
  };
}

/** Builds /kafka's view from its inputs for the URL's query (?refresh=). */
export function reportsPageOf(inputs: ReportsPageInputs, query: URLSearchParams): ReportsView {
  const { state, prefix, store, endOffsets, asOf, timeZone } = inputs;
  return reportsView({
    state,
    prefix,
    summary: store.snapshot ? summarize(store.snapshot.totals) : null,
    problem: store.problem,
    kafkaAnswers: endOffsets === undefined ? null : endOffsets !== null,
    refresh: parseRefresh(query.get("refresh")),
    asOf,
    timeZone: pageTimeZone(query, timeZone),
  });
}
