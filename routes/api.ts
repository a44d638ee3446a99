/** The JSON API: GET /api/summary (KPI numbers) and GET /api/breakdown/KIND. */
import { Hono } from "hono";
import type { DashboardDeps } from "../lib/dashboard_deps.ts";
import {
  selectByCard,
  selectByCategory,
  selectByState,
  selectTopCities,
  selectTopCustomers,
} from "../lib/dashboard_queries.ts";
import { breakdown, customerView, summarize } from "../lib/dashboard_view.ts";
import type { Sql } from "../lib/db.ts";

/** Rows returned by the city and customer breakdowns when ?limit is not given. */
const DEFAULT_LIMIT = 10;
/** The most rows a breakdown returns. */
const MAX_LIMIT = 1000;

/** Each breakdown: its rows for a limit (used by city and customer, which can be long). */
const BREAKDOWNS: Record<string, (sql: Sql, limit: number) => Promise<unknown[]>> = {
  category: async (sql) => (await selectByCategory(sql)).map(breakdown),
  state: async (sql) => (await selectByState(sql)).map(breakdown),
  city: async (sql, limit) => (await selectTopCities(sql, limit)).map(breakdown),
  card: async (sql) => (await selectByCard(sql)).map(breakdown),
  customer: async (sql, limit) => (await selectTopCustomers(sql, limit)).map(customerView),
};

/** The API routes. */
export function apiRoutes(deps: DashboardDeps): Hono {
  return new Hono()
    .get("/summary", async (c) => {
      const { snapshot, problem } = await deps.store.read();
      c.header("Cache-Control", "no-store");
      if (!snapshot) return c.json({ error: problem ?? "no data yet" }, 503);
      return c.json({
        ...summarize(snapshot.totals),
        asOf: snapshot.asOf.toISOString(),
        stale: problem !== null,
        problem,
      });
    })
    .get("/breakdown/:kind", async (c) => {
      const kind = c.req.param("kind");
      const rows = Object.hasOwn(BREAKDOWNS, kind) ? BREAKDOWNS[kind] : undefined;
      if (!rows) {
        return c.json({
          error: `unknown breakdown "${kind}"; use one of ${Object.keys(BREAKDOWNS).join(", ")}`,
        }, 404);
      }
      const limitText = c.req.query("limit") ?? String(DEFAULT_LIMIT);
      const limit = Number(limitText);
      if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_LIMIT) {
        return c.json({ error: `limit must be a whole number from 1 to ${MAX_LIMIT}` }, 400);
      }
      c.header("Cache-Control", "no-store");
      try {
        return c.json({ kind, rows: await rows(deps.sql, limit) });
      } catch {
        return c.json({ error: "PostgreSQL is unreachable; try again shortly" }, 503);
      }
    });
}
