/** The KPI tiles: each carries data-kpi and data-value for machines, formatted text for people. */
import type { DashboardView, Kpi } from "../../lib/serve/overview_view.ts";
import { Polled } from "../shared/polled.tsx";

/** The polled KPI panel. */
export function KpiPanel({ view }: { view: DashboardView }) {
  return (
    <Polled name="kpis" refresh={view.refresh} class="kpis">
      {view.kpis.map((kpi) => <KpiTile key={kpi.name} kpi={kpi} />)}
      {view.kpis.length === 0 && <p class="empty">No data has been read yet.</p>}
    </Polled>
  );
}

/** One tile: the label and the formatted value, with the exact value in data-value. */
export function KpiTile({ kpi }: { kpi: Kpi }) {
  return (
    <div class="kpi" data-kpi={kpi.name} data-value={kpi.value}>
      <span class="kpi-label">{kpi.label}</span>
      <span class="kpi-value">{kpi.display}</span>
    </div>
  );
}
