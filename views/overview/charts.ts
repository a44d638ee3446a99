/** The overview's six charts from a snapshot, with drill-down links to the filtered page. */
import { money } from "../../lib/core/money.ts";
import { STATE_FIPS } from "../../lib/core/us_states.ts";
import type { Series, Snapshot } from "../../lib/store/snapshot.ts";
import {
  categoryCharts,
  type ChartView,
  stateRevenueChart,
  topCitiesChart,
} from "../shared/chart_data.ts";
import { breakdown } from "../shared/figures.ts";

/** Builds the drill-down link of a filter value; null when the chart offers none. */
type DrillLink = ((filter: "state" | "category" | "card", value: string) => string) | null;

/** The six charts of the overview, in page order, with drill-down links when given. */
export function charts(snapshot: Snapshot, drill: DrillLink = null): ChartView[] {
  const categories = snapshot.categories.map(breakdown);
  const states = new Map(snapshot.states.map((row) => [row.key, money(row.revenue)]));
  const cities = snapshot.cities.map(breakdown);
  const cards = snapshot.cards.map(breakdown);
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
