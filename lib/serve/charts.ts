/** The six charts' data: labels, series as exact decimal strings, us-atlas ids for the map. */
import { money, subtractMoney } from "../core/money.ts";
import type { GroupRow } from "../store/queries.ts";
import type { Series, Snapshot } from "../store/snapshot.ts";
import { STATE_FIPS, US_STATES } from "../core/us_states.ts";

/** What a chart canvas carries: its kind, labels, series of decimal strings and optional ids. */
export interface ChartView {
  name: string;
  title: string;
  kind: "doughnut" | "bar" | "choropleth" | "line";
  labels: string[];
  series: { label: string; values: string[] }[];
  /** map charts: the us-atlas feature id of each label */
  ids?: string[];
  /** drill-down: the URL query that filters the page to each label (absent: no drill-down) */
  links?: string[];
}

/** Builds the drill-down link of a filter value; null when the chart offers none. */
export type DrillLink = ((filter: "state" | "category" | "card", value: string) => string) | null;

/** Revenue (doughnut) and profit (bar) by category. */
export function categoryCharts(
  categories: { label: string; revenue: string; profit: string }[],
): ChartView[] {
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
  ];
}

/** The map of revenue by state: every state and DC, "0.00" where none sold. */
export function stateRevenueChart(revenueByState: Map<string, string>): ChartView {
  const stateCodes = Object.keys(STATE_FIPS);
  return {
    name: "revenue-by-state",
    title: "Revenue by state",
    kind: "choropleth",
    labels: stateCodes.map((code) => US_STATES[code]!),
    ids: stateCodes.map((code) => STATE_FIPS[code]!),
    series: [{
      label: "Revenue",
      values: stateCodes.map((code) => revenueByState.get(code) ?? "0.00"),
    }],
  };
}

/** A bar chart of cities by revenue, in the order given. */
export function topCitiesChart(
  cities: { label: string; revenue: string }[],
  title: string,
): ChartView {
  return {
    name: "top-cities",
    title,
    kind: "bar",
    labels: cities.map((c) => c.label),
    series: [{ label: "Revenue", values: cities.map((c) => c.revenue) }],
  };
}

/** The six charts of the overview, in page order, with drill-down links when given. */
export function charts(snapshot: Snapshot, drill: DrillLink = null): ChartView[] {
  const categories = snapshot.categories.map(amounts);
  const states = new Map(snapshot.states.map((row) => [row.key, money(row.revenue)]));
  const cities = snapshot.cities.map(amounts);
  const cards = snapshot.cards.map(amounts);
  const points = seriesPoints(snapshot.series);
  const perHour = snapshot.series.stepMinutes === 60;
  const [revenue, profit] = categoryCharts(categories);
  const map = stateRevenueChart(states);
  const link = (filter: "state" | "category" | "card", values: string[]) =>
    drill ? values.map((v) => drill(filter, v)) : undefined;
  return [
    { ...revenue!, links: link("category", categories.map((c) => c.label)) },
    { ...profit!, links: link("category", categories.map((c) => c.label)) },
    { ...map, links: link("state", Object.keys(STATE_FIPS)) },
    topCitiesChart(cities, "Top 10 cities by revenue"),
    {
      name: "card-usage",
      title: "Card company usage",
      kind: "doughnut",
      labels: cards.map((c) => c.label),
      series: [{ label: "Sales", values: cards.map((c) => String(c.sales)) }],
      links: link("card", cards.map((c) => c.label)),
    },
    {
      name: "sales-per-minute",
      title: perHour ? "Sales and revenue per hour" : "Sales and revenue per minute",
      kind: "line",
      labels: points.map((m) => m.label),
      series: [
        { label: "Sales", values: points.map((m) => m.sales) },
        { label: "Revenue", values: points.map((m) => m.revenue) },
      ],
    },
  ];
}

/** Every step of the series window, zero where nothing sold, labelled in the server's time. */
function seriesPoints(series: Series) {
  const rows = new Map(series.rows.map((r) => [Number(r.minute), r]));
  const points = [];
  for (let minute = series.fromMinute; minute < series.toMinute; minute += series.stepMinutes) {
    const at = new Date(minute * 60_000);
    const row = rows.get(minute);
    const time = `${pad(at.getHours())}:${pad(at.getMinutes())}`;
    points.push({
      label: series.stepMinutes === 60
        ? `${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${time}`
        : time,
      sales: row?.sales_count ?? "0",
      revenue: row ? money(row.revenue) : "0.00",
    });
  }
  return points;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** A group's label, count and exact money. */
function amounts(row: GroupRow) {
  const revenue = money(row.revenue);
  return {
    label: row.label,
    sales: row.sales_count,
    revenue,
    profit: subtractMoney(revenue, money(row.cost)),
  };
}
