/** GET / and GET /kafka: the full pages, rendered with every number (work with JavaScript off). */
import { Hono } from "hono";
import { currentReportsView, currentView, type DashboardDeps } from "../lib/serve/deps.ts";
import { parseRefresh } from "../lib/serve/overview_view.ts";
import { ReportsPage } from "../views/kafka/page.tsx";
import { DashboardPage } from "../views/overview/page.tsx";

/** The page routes. */
export function pageRoutes(deps: DashboardDeps): Hono {
  return new Hono()
    .get("/", async (c) => {
      const view = await currentView(deps, parseRefresh(c.req.query("refresh")));
      c.header("Cache-Control", "no-store");
      return c.html(`<!doctype html>${await DashboardPage({ view })}`);
    })
    .get("/kafka", async (c) => {
      const view = await currentReportsView(deps, parseRefresh(c.req.query("refresh")));
      c.header("Cache-Control", "no-store");
      return c.html(`<!doctype html>${await ReportsPage({ view })}`);
    });
}
