/** The JSON API: GET /api/summary (KPI numbers), GET /api/breakdown/KIND, GET /api/reports. */
import { Hono } from "hono";
import type { DashboardDeps } from "../lib/serve/deps.ts";
import {
  selectByCard,
  selectByCategory,
  selectByState,
  selectTopCities,
  selectTopCustomers,
} from "../lib/store/queries.ts";
import { breakdown, customerView, summarize } from "../lib/serve/overview_view.ts";
import { REPORTS, reportTopic } from "../lib/reports/topics.ts";
import type { Sql } from "../lib/infra/db.ts";

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
    .get("/reports", async (c) => {
      c.header("Cache-Control", "no-store");
      if (!deps.reports) {
        return c.json({ error: "this server does not read the report topics" }, 503);
      }
      const state = await deps.reports.read();
      if (!state.reports) {
        const error = state.missing
          ? "the report topics do not exist yet; start `deno task reports`"
          : state.problem;
        return c.json({ error }, 503);
      }
      const prefix = deps.reports.prefix;
      return c.json({
        prefix,
        topics: Object.fromEntries(REPORTS.map((r) => [r, reportTopic(r, prefix)])),
        caughtUp: state.caughtUp,
        asOf: new Date().toISOString(),
        reports: state.reports,
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
