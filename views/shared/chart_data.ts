/** The charts both pages draw, as data: labels, series as exact decimal strings, us-atlas ids for the map. */
import { STATE_FIPS, US_STATES } from "../../lib/core/us_states.ts";
import { colorOf } from "./colors.ts";

/** What a chart canvas carries: its kind, labels, series of decimal strings and optional ids. */
export interface ChartView {
  name: string;
  title: string;
  kind: "doughnut" | "bar" | "choropleth" | "line";
  labels: string[];
  /** each series' values as decimal strings; `count` for numbers of sales, else amounts */
  series: { label: string; values: string[]; unit?: "count" | "money" }[];
  /** each label's colour, the same on every page and selection (categories, card companies) */
  colors?: string[];
  /** the CSV of the figures behind the chart (absent: none) */
  csv?: string;
  /** map charts: the us-atlas feature id of each label */
  ids?: string[];
  /** drill-down: the URL query that filters the page to each label (absent: no drill-down) */
  links?: string[];
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
      colors: categories.map((c) => colorOf(c.label)),
    },
    {
      name: "profit-by-category",
      title: "Profit by category",
      kind: "bar",
      labels: categories.map((c) => c.label),
      series: [{ label: "Profit", values: categories.map((c) => c.profit) }],
      colors: categories.map((c) => colorOf(c.label)),
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

/** A doughnut of card companies (sales or amount), each in its own colour. */
export function cardChart(
  name: string,
  title: string,
  cards: { label: string; value: string }[],
  series: { label: string; unit: "count" | "money" },
): ChartView {
  return {
    name,
    title,
    kind: "doughnut",
    labels: cards.map((c) => c.label),
    series: [{ ...series, values: cards.map((c) => c.value) }],
    colors: cards.map((c) => colorOf(c.label)),
  };
}
