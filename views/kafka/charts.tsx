/** The /kafka page's charts of the report topics, drawn by static/dashboard.js like the main page's. */
import type { ReportsView } from "../../lib/serve/kafka_view.ts";
import { ChartCard } from "../overview/charts.tsx";
import { Polled } from "../shared/polled.tsx";

/** The polled chart grid. */
export function ReportsChartsPanel({ view }: { view: ReportsView }) {
  return (
    <Polled name="kafka-charts" refresh={view.refresh} class="charts">
      {view.charts.map((chart) => <ChartCard key={chart.name} chart={chart} />)}
    </Polled>
  );
}
