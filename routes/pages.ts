/** GET /: the full dashboard page, rendered with every number (works with JavaScript off). */
import { Hono } from "hono";
import { currentView, type DashboardDeps } from "../lib/dashboard_deps.ts";
import { parseRefresh } from "../lib/dashboard_view.ts";
import { DashboardPage } from "../views/page.tsx";

/** The page route. */
export function pageRoutes(deps: DashboardDeps): Hono {
  return new Hono().get("/", async (c) => {
    const view = await currentView(deps, parseRefresh(c.req.query("refresh")));
    c.header("Cache-Control", "no-store");
    return c.html(`<!doctype html>${await DashboardPage({ view })}`);
  });
}
