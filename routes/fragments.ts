/** GET /fragments/NAME: one panel alone, the same component the page renders, for htmx to swap in. */
import { Hono } from "hono";
import {
  currentInputs,
  currentReportsView,
  type DashboardDeps,
  viewOf,
} from "../lib/serve/deps.ts";
import { createRenderCache } from "../lib/serve/render_cache.ts";
import type { ReportsView } from "../lib/serve/kafka_view.ts";
import { type DashboardView, parseRefresh } from "../lib/serve/overview_view.ts";
import { BannerPanel } from "../views/overview/banner.tsx";
import { ChartsPanel } from "../views/overview/charts.tsx";
import { FreshnessPanel } from "../views/overview/freshness.tsx";
import { ReportsBannerPanel } from "../views/kafka/banner.tsx";
import { ReportsChartsPanel } from "../views/kafka/charts.tsx";
import { ReportsKpiPanel } from "../views/kafka/kpis.tsx";
import { ReportsTablesPanel } from "../views/kafka/tables.tsx";
import { ReportsTopicsPanel } from "../views/kafka/topics.tsx";
import { KpiPanel } from "../views/overview/kpis.tsx";
import { TablesPanel } from "../views/overview/tables.tsx";

/** The main page's panels that can be fetched alone, by name. */
export const FRAGMENTS: Record<string, (props: { view: DashboardView }) => unknown> = {
  banner: BannerPanel,
  kpis: KpiPanel,
  charts: ChartsPanel,
  tables: TablesPanel,
  freshness: FreshnessPanel,
};

/** The /kafka page's panels that can be fetched alone, by name. */
export const REPORT_FRAGMENTS: Record<string, (props: { view: ReportsView }) => unknown> = {
  "kafka-banner": ReportsBannerPanel,
  "kafka-kpis": ReportsKpiPanel,
  "kafka-charts": ReportsChartsPanel,
  "kafka-tables": ReportsTablesPanel,
  "kafka-topics": ReportsTopicsPanel,
};

/** The fragment routes. */
export function fragmentRoutes(deps: DashboardDeps): Hono {
  // Polling clients mostly ask again within the snapshot's reuse window: render once per snapshot.
  const rendered = createRenderCache();
  return new Hono().get("/:name", async (c) => {
    const name = c.req.param("name");
    const refresh = parseRefresh(c.req.query("refresh"));
    const panel = Object.hasOwn(FRAGMENTS, name) ? FRAGMENTS[name] : undefined;
    const reportPanel = Object.hasOwn(REPORT_FRAGMENTS, name) ? REPORT_FRAGMENTS[name] : undefined;
    if (!panel && !reportPanel) return c.text("No such fragment", 404);
    c.header("Cache-Control", "no-store");
    if (reportPanel) {
      return c.html(String(await reportPanel({ view: await currentReportsView(deps, refresh) })));
    }
    const inputs = await currentInputs(deps);
    const { snapshot, problem } = inputs.state;
    const html = await rendered.get(
      `${name}?refresh=${refresh}`,
      [snapshot, problem, inputs.endOffsets],
      async () => String(await panel!({ view: viewOf(inputs, refresh) })),
    );
    return c.html(html);
  });
}
