/** Chart cards: each canvas carries its data as JSON in data-* attributes for static/dashboard.js. */
import type { ChartView } from "../../lib/serve/charts.ts";

/** One chart: a titled canvas whose fallback content lists the values (shown without JavaScript). */
function ChartCard({ chart }: { chart: ChartView }) {
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
          role="img"
          aria-label={chart.title}
        >
          <Fallback chart={chart} />
        </canvas>
      </div>
      {chart.links && (
        <noscript>
          <Fallback chart={chart} />
        </noscript>
      )}
    </figure>
  );
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
