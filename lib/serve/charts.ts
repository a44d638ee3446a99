/** The six charts' data: labels, series as exact decimal strings, us-atlas ids for the map. */
import { money, subtractMoney } from "../core/money.ts";
import type { GroupRow } from "../store/queries.ts";
import { firstMinute, MINUTES_SHOWN, type Snapshot } from "../store/snapshot.ts";
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
}

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

/** The six charts of the page, in page order. */
export function charts(snapshot: Snapshot): ChartView[] {
  const categories = snapshot.categories.map(amounts);
  const states = new Map(snapshot.states.map((row) => [row.key, money(row.revenue)]));
  const cities = snapshot.cities.map(amounts);
  const cards = snapshot.cards.map(amounts);
  const minutes = minuteSeries(snapshot);
  return [
    ...categoryCharts(categories),
    stateRevenueChart(states),
    topCitiesChart(cities, "Top 10 cities by revenue"),
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
function minuteSeries(snapshot: Snapshot) {
  const byMinute = new Map(snapshot.minutes.map((m) => [m.minute.getTime(), m]));
  const first = firstMinute(snapshot.asOf).getTime();
  return Array.from({ length: MINUTES_SHOWN }, (_, i) => {
    const at = new Date(first + i * 60_000);
    const row = byMinute.get(at.getTime());
    return {
      label: `${String(at.getHours()).padStart(2, "0")}:${
        String(at.getMinutes()).padStart(2, "0")
      }`,
      sales: row?.sales_count ?? "0",
      revenue: row ? money(row.revenue) : "0.00",
    };
  });
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
