/** The overview's six charts from a snapshot, with drill-down links to the filtered page and CSV links. */
import { money } from "../../lib/core/money.ts";
import { STATE_FIPS } from "../../lib/core/us_states.ts";
import { zoneAbbreviation, zonedShort } from "../../lib/core/zoned_time.ts";
import type { Series, Snapshot } from "../../lib/store/snapshot.ts";
import {
  cardChart,
  categoryCharts,
  type ChartView,
  stateRevenueChart,
  topCitiesChart,
} from "../shared/chart_data.ts";
import { breakdown } from "../shared/figures.ts";

/** Builds the drill-down link of a filter value. */
type DrillLink = (filter: "state" | "category" | "card", value: string) => string;

/** How the charts link: drill-down per label, the CSV of a breakdown, the zone of the times. */
export interface ChartLinks {
  drill: DrillLink;
  csv: (kind: "category" | "state" | "city" | "card") => string;
  timeZone: string;
}

/** The six charts of the overview, in page order, with drill-down and CSV links. */
export function charts(snapshot: Snapshot, links: ChartLinks): ChartView[] {
  const categories = snapshot.categories.map(breakdown);
  const states = new Map(snapshot.states.map((row) => [row.key, money(row.revenue)]));
  const cities = snapshot.cities.map(breakdown);
  const cards = snapshot.cards.map(breakdown);
  const points = seriesPoints(snapshot.series, links.timeZone);
  const perHour = snapshot.series.stepMinutes === 60;
  const [revenue, profit] = categoryCharts(categories);
  const map = stateRevenueChart(states);
  const link = (filter: "state" | "category" | "card", values: string[]) =>
    values.map((v) => links.drill(filter, v));
  const zone = zoneAbbreviation(snapshot.asOf, links.timeZone);
  return [
    {
      ...revenue!,
      links: link("category", categories.map((c) => c.label)),
      csv: links.csv("category"),
    },
    {
      ...profit!,
      links: link("category", categories.map((c) => c.label)),
      csv: links.csv("category"),
    },
    { ...map, links: link("state", Object.keys(STATE_FIPS)), csv: links.csv("state") },
    { ...topCitiesChart(cities, "Top 10 cities by revenue"), csv: links.csv("city") },
    {
      ...cardChart(
        "card-usage",
        "Card company usage",
        cards.map((c) => ({ label: c.label, value: String(c.sales) })),
        { label: "Sales", unit: "count" },
      ),
      links: link("card", cards.map((c) => c.label)),
      csv: links.csv("card"),
    },
    {
      name: "sales-per-minute",
      title: `${perHour ? "Sales and revenue per hour" : "Sales and revenue per minute"} (${zone})`,
      kind: "line",
      labels: points.map((m) => m.label),
      series: [
        { label: "Sales", values: points.map((m) => m.sales), unit: "count" },
        { label: "Revenue", values: points.map((m) => m.revenue) },
      ],
    },
  ];
}

/** Every step of the series window, zero where nothing sold, labelled in the page's zone. */
function seriesPoints(series: Series, timeZone: string) {
  const rows = new Map(series.rows.map((r) => [Number(r.minute), r]));
  const points = [];
  for (let minute = series.fromMinute; minute < series.toMinute; minute += series.stepMinutes) {
    const at = new Date(minute * 60_000);
    const row = rows.get(minute);
    points.push({
      label: zonedShort(at, timeZone, series.stepMinutes === 60),
      sales: row?.sales_count ?? "0",
      revenue: row ? money(row.revenue) : "0.00",
    });
  }
  return points;
}
