/** The overview page (/): every KPI, chart and table of the sales in PostgreSQL, polled live. */
import type { Page } from "../shared/page.ts";
import { type OverviewInputs, overviewOf, type OverviewView, readOverview } from "./model.ts";
import { FreshnessPanel } from "./freshness.tsx";
import { BannerPanel, ChartsPanel, Chips, KpiPanel, TablesPanel } from "./panels.tsx";

/** The overview: read from the snapshot store and Kafka's end offsets. */
export const overviewPage: Page<OverviewInputs, OverviewView> = {
  path: "/",
  label: "Overview",
  title: "Sales dashboard",
  read: readOverview,
  view: overviewOf,
  // Polling clients mostly ask again within the snapshot's reuse window: render once per snapshot.
  identity: ({ state, endOffsets }) => [state.snapshot, state.problem, endOffsets],
  panels: {
    banner: BannerPanel,
    kpis: KpiPanel,
    charts: ChartsPanel,
    tables: TablesPanel,
    freshness: FreshnessPanel,
  },
  sidebar: FreshnessPanel,
  controls: ({ selection }) => ({
    range: selection.range,
    filters: selection.filters,
    fromDate: selection.fromDate,
    toDate: selection.toDate,
    tz: selection.tzParam,
    zoneName: selection.zoneName,
  }),
  main: ({ view }) => (
    <>
      <Chips view={view} />
      <BannerPanel view={view} />
      <KpiPanel view={view} />
      <ChartsPanel view={view} />
      <TablesPanel view={view} />
    </>
  ),
};
