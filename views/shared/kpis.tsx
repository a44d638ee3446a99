/** KPI tiles: each carries data-kpi and data-value for machines, formatted text for people. */
import type { Kpi } from "./display.ts";

/**
 * One tile: the label and the formatted value, with the exact value in data-value; a value shown
 * in compact form ("$7.0M") has the whole formatted one in the tile's title (shown on hover).
 */
function KpiTile({ kpi }: { kpi: Kpi }) {
  return (
    <div class="kpi" data-kpi={kpi.name} data-value={kpi.value} title={kpi.exact}>
      <span class="kpi-label">{kpi.label}</span>
      <span class="kpi-value">{kpi.display}</span>
    </div>
  );
}

/** The tiles of a group, or a sentence when there are none yet. */
export function KpiTiles({ kpis, empty }: { kpis: Kpi[]; empty: string }) {
  return (
    <>
      {kpis.map((kpi) => <KpiTile key={kpi.name} kpi={kpi} />)}
      {kpis.length === 0 && <p class="empty">{empty}</p>}
    </>
  );
}
