/**
 * Chart cards: each canvas carries its data as JSON in data-* attributes for static/dashboard.js,
 * and a text alternative with its figures: the canvas' label names the largest ones, and a table
 * under it (folded) lists every figure, each a drill-down link where the chart has one.
 */
import { formatCount, formatMoney } from "../../lib/core/money.ts";
import type { ChartView } from "./chart_data.ts";

/** Figures the canvas' label names; the folded table lists them all. */
const LABEL_FIGURES = 10;

/**
 * One chart: a titled canvas (an image whose label carries its largest figures), its figures in
 * a folded table (shown without JavaScript too), and a CSV download when it has one. A chart
 * without data says so in its place instead (the canvas stays, hidden, with its data).
 */
function ChartCard({ chart, empty }: { chart: ChartView; empty: string }) {
  const emptyNote = emptyText(chart, empty);
  const rows = figures(chart);
  return (
    <figure class={`chart chart-${chart.kind}`}>
      <figcaption>
        <span>{chart.title}</span>
        {chart.csv && (
          <a class="csv" href={chart.csv} download data-csv={chart.name}>
            CSV<span class="sr-only">: download the figures of {chart.title}</span>
          </a>
        )}
      </figcaption>
      <div class="chart-box">
        <canvas
          data-chart={chart.name}
          data-kind={chart.kind}
          data-labels={JSON.stringify(chart.labels)}
          data-series={JSON.stringify(chart.series)}
          data-colors={chart.colors ? JSON.stringify(chart.colors) : undefined}
          data-ids={chart.ids ? JSON.stringify(chart.ids) : undefined}
          data-links={chart.links ? JSON.stringify(chart.links) : undefined}
          data-empty={emptyNote ? "true" : undefined}
          hidden={emptyNote !== null}
          role="img"
          aria-label={altText(chart, rows)}
        />
        {emptyNote && <p class="chart-empty" data-chart-empty={chart.name}>{emptyNote}</p>}
      </div>
      {chart.kind === "choropleth" && !emptyNote && <MapLegend chart={chart} />}
      {rows.length > 0 && <Figures chart={chart} rows={rows} />}
    </figure>
  );
}

/** The map's colour scale as a bar under it (never drawn over a state): $0 to the highest state. */
function MapLegend({ chart }: { chart: ChartView }) {
  const values = (chart.series[0]?.values ?? []).map(Number);
  const top = Math.max(0, ...values);
  const max = (chart.series[0]?.values ?? [])[values.indexOf(top)] ?? "0.00";
  return (
    <div class="map-legend" data-map-legend>
      <span>{formatMoney("0.00")}</span>
      <span class="map-scale"></span>
      <span>{formatMoney(max)}</span>
    </div>
  );
}

/**
 * What a chart without data says, or null when it has data: a bar chart is empty without rows
 * (rows of zero profit are data), a doughnut or map when no value is above zero, the minute chart
 * when nothing sold in its period.
 */
function emptyText(chart: ChartView, empty: string): string | null {
  const values = chart.series[0]?.values ?? [];
  const anyAboveZero = values.some((v) => Number(v) > 0);
  if (chart.kind === "line") {
    return anyAboveZero ? null : empty === "No sales yet" ? "No sales in this period" : empty;
  }
  const isEmpty = chart.kind === "bar" ? chart.labels.length === 0 : !anyAboveZero;
  return isEmpty ? empty : null;
}

/** Every chart of a page, in order; `empty` is what a chart without data says. */
export function ChartCards(
  { charts, empty = "No sales yet" }: { charts: ChartView[]; empty?: string },
) {
  return <>{charts.map((chart) => <ChartCard key={chart.name} chart={chart} empty={empty} />)}</>;
}

/** One row of a chart's figures: its label, each series' value as shown, its drill-down link. */
interface FigureRow {
  label: string;
  values: string[];
  href?: string;
}

/** A value as shown: an amount ("$1,234.50") or a count ("1,234"). */
function shown(value: string, unit: "count" | "money" | undefined): string {
  return unit === "count" ? formatCount(value) : formatMoney(value);
}

/**
 * The figures of a chart: every label with a value (the map and the minute chart leave out
 * zeros), in the chart's order.
 */
function figures(chart: ChartView): FigureRow[] {
  const dropZeros = chart.kind === "choropleth" || chart.kind === "line";
  return chart.labels
    .map((label, i) => ({
      label,
      raw: chart.series.map((s) => s.values[i] ?? "0"),
      href: chart.links?.[i],
    }))
    .filter((row) => !dropZeros || row.raw.some((v) => Number(v) !== 0))
    .map((row) => ({
      label: row.label,
      values: row.raw.map((v, s) => shown(v, chart.series[s]?.unit)),
      href: row.href,
    }));
}

/** The canvas' label: the title and the largest figures ("Revenue by category: Books $12.00, ..."). */
function altText(chart: ChartView, rows: FigureRow[]): string {
  if (rows.length === 0) return `${chart.title}: no data`;
  const ordered = chart.kind === "choropleth"
    ? [...rows].sort((a, b) =>
      Number(b.values[0]!.replace(/[$,]/g, "")) - Number(a.values[0]!.replace(/[$,]/g, ""))
    )
    : rows;
  const named = ordered.slice(0, LABEL_FIGURES).map((r) =>
    `${r.label} ${r.values.map((v, i) => `${chart.series[i]?.label ?? ""} ${v}`.trim()).join(", ")}`
  );
  const more = rows.length > LABEL_FIGURES
    ? `; ${rows.length - LABEL_FIGURES} more in the table`
    : "";
  return `${chart.title}: ${named.join("; ")}${more}`;
}

/** The figures as a table in a <details> under the chart; labels link to their drill-down. */
function Figures({ chart, rows }: { chart: ChartView; rows: FigureRow[] }) {
  return (
    <details class="figures" data-figures={chart.name}>
      <summary>
        Figures<span class="sr-only">of {chart.title}</span> ({rows.length})
      </summary>
      <div class="scroll" tabindex={0} role="region" aria-label={`Figures of ${chart.title}`}>
        <table>
          <thead>
            <tr>
              <th scope="col">{chart.kind === "line" ? "Time" : "Name"}</th>
              {chart.series.map((s) => <th key={s.label} scope="col" class="num">{s.label}</th>)}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr>
                <th scope="row">{row.href ? <a href={row.href}>{row.label}</a> : row.label}</th>
                {row.values.map((v, i) => <td key={i} class="num">{v}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
