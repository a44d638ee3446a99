/** The /kafka page's tiles: total_sales_summary from Kafka, and the counts PostgreSQL holds beside it. */
import type { ReportsView } from "../../lib/serve/kafka_view.ts";
import { KpiTile } from "../overview/kpis.tsx";
import { Polled } from "../shared/polled.tsx";

/** The polled panel with both groups of tiles. */
export function ReportsKpiPanel({ view }: { view: ReportsView }) {
  return (
    <Polled name="kafka-kpis" refresh={view.refresh} class="kpi-groups">
      <section class="kpi-group" data-source="kafka">
        <h2>Report topic {view.prefix}total_sales_summary</h2>
        <div class="kpis">
          {view.kpis.map((kpi) => <KpiTile key={kpi.name} kpi={kpi} />)}
          {view.kpis.length === 0 && <p class="empty">No report data yet.</p>}
        </div>
      </section>
      <section class="kpi-group" data-source="postgres">
        <h2>PostgreSQL sales_totals</h2>
        <div class="kpis">
          {view.postgres.map((kpi) => <KpiTile key={kpi.name} kpi={kpi} />)}
          {view.postgres.length === 0 && <p class="empty">PostgreSQL has not been read yet.</p>}
        </div>
      </section>
    </Polled>
  );
}
