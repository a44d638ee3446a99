/**
 * The JSON API: GET /api/summary (KPI numbers), GET /api/breakdown/KIND, GET /api/reports.
 * Summary and breakdowns take the page's selection: ?range= or ?from=&to= (ISO times, UTC, whole
 * minutes) and ?state=&category=&card=; the answer names the minutes it covers. Read from a
 * replica, the summary says how far behind its primary it is (`replica`), and `stale` is true
 * while the replica is unreachable (the last good numbers), behind or cut off from the primary.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import type { Sql } from "../lib/infra/db.ts";
import { REPORTS, reportTopic } from "../lib/reports/topics.ts";
import {
  selectByCard,
  selectByCategory,
  selectByState,
  selectTopCities,
  selectTopCustomers,
} from "../lib/store/queries.ts";
import { resolveSelection, type Selection, type SelectionSpec } from "../lib/store/selection.ts";
import { replicaProblem, type ReplicaStatus } from "../lib/store/replica.ts";
import { minuteOf } from "../lib/store/write_batch.ts";
import { breakdown, customerView, summarize } from "../views/shared/figures.ts";
import { replicaView } from "../views/shared/replica_status.tsx";
import { apiSelection, SelectionError } from "../views/shared/url_selection.ts";
import type { DashboardDeps } from "./deps.ts";

/** Rows returned by the city and customer breakdowns when ?limit is not given. */
const DEFAULT_LIMIT = 10;
/** The most rows a breakdown returns. */
const MAX_LIMIT = 1000;

/** Each breakdown: its rows for a selection and a limit (city and customer can be long). */
const BREAKDOWNS: Record<
  string,
  (sql: Sql, sel: Selection, now: number, limit: number) => Promise<unknown[]>
> = {
  category: async (sql, sel, now) => (await selectByCategory(sql, sel, now)).map(breakdown),
  state: async (sql, sel, now) => (await selectByState(sql, sel, now)).map(breakdown),
  city: async (sql, sel, now, limit) =>
    (await selectTopCities(sql, sel, now, limit)).map(breakdown),
  card: async (sql, sel, now) => (await selectByCard(sql, sel, now)).map(breakdown),
  customer: async (sql, sel, now, limit) =>
    (await selectTopCustomers(sql, sel, now, limit)).map(customerView),
};

/** The selection of a request, or the 400 answer naming the bad parameter. */
function selectionOf(c: Context): SelectionSpec | Response {
  try {
    return apiSelection(new URL(c.req.url).searchParams);
  } catch (error) {
    if (!(error instanceof SelectionError)) throw error;
    return c.json({ error: error.message }, 400);
  }
}

/** The minutes a selection covers, as ISO times (null for an open end). */
function coverage(sel: Selection) {
  const iso = (m: number | null) => (m === null ? null : new Date(m * 60_000).toISOString());
  const filters = Object.fromEntries(
    (["state", "category", "card"] as const).flatMap((k) =>
      sel[k] === undefined ? [] : [[k, sel[k]]]
    ),
  );
  return { from: iso(sel.fromMinute), to: iso(sel.toMinute), filters };
}

/**
 * The read replica's part of the summary: `{ replica: { state, behindSeconds, replayedAt,
 * receiving, pendingBytes, checkedAt } }`; nothing when the dashboard reads the primary.
 */
function replicaJson(status: ReplicaStatus | null | undefined, problem: string | null) {
  const view = replicaView(status, problem);
  if (!status || !view) return {};
  return {
    replica: {
      state: view.state,
      behindSeconds: status.behindSeconds,
      replayedAt: status.replayedAt?.toISOString() ?? null,
      receiving: status.receiving,
      pendingBytes: status.pendingBytes,
      checkedAt: status.checkedAt.toISOString(),
    },
  };
}

/** The API routes. */
export function apiRoutes(deps: DashboardDeps): Hono {
  return new Hono()
    .get("/summary", async (c) => {
      c.header("Cache-Control", "no-store");
      const spec = selectionOf(c);
      if (spec instanceof Response) return spec;
      const { snapshot, problem } = await deps.stores.get(spec).read();
      if (!snapshot) return c.json({ error: problem ?? "no data yet" }, 503);
      const replica = replicaJson(snapshot.replica, problem);
      const lagging = snapshot.replica ? replicaProblem(snapshot.replica) : null;
      return c.json({
        ...summarize(snapshot.totals),
        ...coverage(snapshot.selection),
        asOf: snapshot.asOf.toISOString(),
        stale: (problem ?? lagging) !== null,
        problem: problem ?? lagging,
        ...replica,
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
      const spec = selectionOf(c);
      if (spec instanceof Response) return spec;
      c.header("Cache-Control", "no-store");
      const now = minuteOf(new Date());
      const sel = resolveSelection(spec, now);
      try {
        return c.json({ kind, ...coverage(sel), rows: await rows(deps.sql, sel, now, limit) });
      } catch {
        return c.json({ error: "PostgreSQL is unreachable; try again shortly" }, 503);
      }
    });
}
