/** Chart cards: each canvas carries its data as JSON in data-* attributes for static/dashboard.js. */
import type { ChartView } from "./chart_data.ts";

/**
 * One chart: a titled canvas whose fallback content lists the values (shown without JavaScript).
 * A chart without data says so in its place instead (the canvas stays, hidden, with its data).
 */
function ChartCard({ chart }: { chart: ChartView }) {
  const empty = emptyText(chart);
  return (
    <figure class={`chart chart-${chart.kind}`}>
      <figcaption>{chart.title}</figcaption>
      <div class="chart-box">
        <canvas
          data-chart={chart.name}
          data-kind={chart.kind}
          data-labels={JSON.stringify(chart.labels)}
          data-series={JSON.stringify(chart.series)}
          data-ids={chart.ids ? JSON.stringify(chart.ids) : undefined}
          data-links={chart.links ? JSON.stringify(chart.links) : undefined}
          data-empty={empty ? "true" : undefined}
          hidden={empty !== null}
          role="img"
          aria-label={chart.title}
        >
          <Fallback chart={chart} />
        </canvas>
        {empty && <p class="chart-empty" data-chart-empty={chart.name}>{empty}</p>}
      </div>
      {chart.links && (
        <noscript>
          <Fallback chart={chart} />
        </noscript>
      )}
    </figure>
  );
}

/**
 * What a chart without data says, or null when it has data: a bar chart is empty without rows
 * (rows of zero profit are data), a doughnut or map when no value is above zero, the minute chart
 * when nothing sold in its period.
 */
function emptyText(chart: ChartView): string | null {
  const values = chart.series[0]?.values ?? [];
  const anyAboveZero = values.some((v) => Number(v) > 0);
  if (chart.kind === "line") return anyAboveZero ? null : "No sales in this period";
  const empty = chart.kind === "bar" ? chart.labels.length === 0 : !anyAboveZero;
  return empty ? "No sales yet" : null;
}

/** Every chart of a page, in order. */
export function ChartCards({ charts }: { charts: ChartView[] }) {
  return <>{charts.map((chart) => <ChartCard key={chart.name} chart={chart} />)}</>;
}

/** The chart's non-zero values as a list, at most ten; each a drill-down link when it has one. */
function Fallback({ chart }: { chart: ChartView }) {
  const [first] = chart.series;
  const rows = chart.labels
    .map((label, i) => ({ label, value: first?.values[i] ?? "0", href: chart.links?.[i] }))
    .filter((row) => Number(row.value) !== 0)
    .slice(0, 10);
  if (rows.length === 0) return <p>No data yet.</p>;
  return (
    <ul>
      {rows.map((row) => (
        <li>
          {row.href ? <a href={row.href}>{row.label}</a> : row.label}: {row.value}
        </li>
      ))}
    </ul>
  );
}
