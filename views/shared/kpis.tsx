/** KPI tiles: each carries data-kpi and data-value for machines, formatted text for people. */
import type { Kpi, KpiChange } from "./display.ts";

/**
 * One tile: the label and the formatted value, with the exact value in data-value; a value shown
 * in compact form ("$7.0M") has the whole formatted one in the tile's title (shown on hover).
 * Under it, the change against the previous period: an arrow, a sign and words, not colour alone.
 */
function KpiTile({ kpi }: { kpi: Kpi }) {
  return (
    <div class="kpi" data-kpi={kpi.name} data-value={kpi.value} title={kpi.exact}>
      <span class="kpi-label">{kpi.label}</span>
      <span class="kpi-value">{kpi.display}</span>
      {kpi.change && <Change change={kpi.change} />}
      {kpi.noChange && <span class="kpi-change same" data-change="none">{kpi.noChange}</span>}
    </div>
  );
}

const ARROWS = { up: "▲", down: "▼", same: "■" } as const;

/** The change line of a tile, e.g. "▲ +$12.50 (+4.20 %)", the sentence in its title. */
function Change({ change }: { change: KpiChange }) {
  return (
    <span
      class={`kpi-change ${change.verdict}`}
      data-change={change.direction}
      data-previous={change.previous}
      data-delta={change.delta}
      data-delta-percent={change.percent ?? undefined}
      title={change.sentence}
    >
      <span aria-hidden="true">{ARROWS[change.direction]}</span> {change.display}
    </span>
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
