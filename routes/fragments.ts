/** GET /fragments/NAME: one panel alone, the same component the page renders, for htmx to swap in. */
import { Hono } from "hono";
import { currentView, type DashboardDeps } from "../lib/dashboard_deps.ts";
import { type DashboardView, parseRefresh } from "../lib/dashboard_view.ts";
import { BannerPanel } from "../views/banner.tsx";
import { ChartsPanel } from "../views/charts.tsx";
import { FreshnessPanel } from "../views/freshness.tsx";
import { KpiPanel } from "../views/kpis.tsx";
import { TablesPanel } from "../views/tables.tsx";

/** The panels that can be fetched alone, by name. */
export const FRAGMENTS: Record<string, (props: { view: DashboardView }) => unknown> = {
  banner: BannerPanel,
  kpis: KpiPanel,
  charts: ChartsPanel,
  tables: TablesPanel,
  freshness: FreshnessPanel,
};

/** The fragment routes. */
export function fragmentRoutes(deps: DashboardDeps): Hono {
  return new Hono().get("/:name", async (c) => {
    const panel = Object.hasOwn(FRAGMENTS, c.req.param("name"))
      ? FRAGMENTS[c.req.param("name")]
      : undefined;
    if (!panel) return c.text("No such fragment", 404);
    const view = await currentView(deps, parseRefresh(c.req.query("refresh")));
    c.header("Cache-Control", "no-store");
    return c.html(String(await panel({ view })));
  });
}
