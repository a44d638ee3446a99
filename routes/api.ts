/**
 * The JSON API: GET /api/summary (KPI numbers, and `previous`: the period of the same length
 * before), GET /api/breakdown/KIND, GET /api/reports. Summary and breakdowns take the page's
 * selection: ?range= or ?from=&to= (dates in the zone, or ISO times with a zone; whole minutes),
 * ?tz= and ?state=&category=&card=&product=; the answer names the minutes it covers. With
 * ?format=csv both answer a CSV file of the same figures instead. Read from a replica, the summary
 * says how far behind its primary it is (`replica`), and `stale` is true while the replica is
 * unreachable (the last good numbers), behind or cut off from the primary. `retention` says what
 * `deno task retention` keeps and whether the selection's figures hold every sale it covers.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { toCsv } from "../lib/core/csv.ts";
import { DEFAULT_TIME_ZONE } from "../lib/core/zoned_time.ts";
import { isStatementTimeout, type Sql } from "../lib/infra/db.ts";
import { REPORTS, reportTopic } from "../lib/reports/topics.ts";
import {
  selectByCard,
  selectByCategory,
  selectByState,
  selectTopCities,
  selectTopCustomers,
  selectTopProducts,
} from "../lib/store/queries.ts";
import { resolveSelection, type Selection, type SelectionSpec } from "../lib/store/selection.ts";
import { replicaProblem, type ReplicaStatus } from "../lib/store/replica.ts";
import { minuteOf } from "../lib/store/write_batch.ts";
import {
  breakdown,
  customerView,
  productView,
  retentionView,
  summarize,
  type Summary,
} from "../views/shared/figures.ts";
import { replicaView } from "../views/shared/replica_status.tsx";
import { apiSelection, SelectionError } from "../views/shared/url_selection.ts";
import type { DashboardDeps } from "./deps.ts";

/** Rows returned by the city, customer and product breakdowns when ?limit is not given. */
const DEFAULT_LIMIT = 10;
/** The most rows a breakdown returns. */
const MAX_LIMIT = 1000;

/** One breakdown: its rows for a selection and a limit, and their CSV columns. */
interface BreakdownKind {
  rows: (sql: Sql, sel: Selection, now: number, limit: number) => Promise<object[]>;
  /** CSV header and the fields of a row in that order */
  columns: [string, string][];
}

/** The columns of the group breakdowns (category, state, city, card). */
const GROUP_COLUMNS: [string, string][] = [
  ["key", "key"],
  ["label", "label"],
  ["sales", "sales"],
  ["revenue", "revenue"],
  ["cost", "cost"],
  ["profit", "profit"],
];

/** Each breakdown (city, customer and product can be long). */
const BREAKDOWNS: Record<string, BreakdownKind> = {
  category: {
    rows: async (sql, sel, now) => (await selectByCategory(sql, sel, now)).map(breakdown),
    columns: GROUP_COLUMNS,
  },
  state: {
    rows: async (sql, sel, now) => (await selectByState(sql, sel, now)).map(breakdown),
    columns: GROUP_COLUMNS,
  },
  city: {
    rows: async (sql, sel, now, limit) =>
      (await selectTopCities(sql, sel, now, limit)).map(breakdown),
    columns: GROUP_COLUMNS,
  },
  card: {
    rows: async (sql, sel, now) => (await selectByCard(sql, sel, now)).map(breakdown),
    columns: GROUP_COLUMNS,
  },
  customer: {
    rows: async (sql, sel, now, limit) =>
      (await selectTopCustomers(sql, sel, now, limit)).map(customerView),
    columns: [
      ["name", "name"],
      ["email", "email"],
      ["state", "state"],
      ["purchases", "purchases"],
      ["revenue", "revenue"],
      ["average_purchase", "averagePurchase"],
    ],
  },
  product: {
    rows: async (sql, sel, now, limit) =>
      (await selectTopProducts(sql, sel, now, limit)).map(productView),
    columns: [
      ["product_id", "id"],
      ["product", "name"],
      ["category", "category"],
      ["units", "units"],
      ["revenue", "revenue"],
      ["cost", "cost"],
      ["profit", "profit"],
    ],
  },
};

/** The columns of the summary's CSV: the period, its ends, then every KPI (untrusted times summed). */
const SUMMARY_COLUMNS: Exclude<keyof Summary, "untrustedTimes">[] = [
  "sales",
  "revenue",
  "cost",
  "profit",
  "margin",
  "aov",
  "customers",
  "products",
  "categories",
  "rejected",
  "duplicates",
  "untrusted",
  "lastSaleAt",
];

/** The selection of a request, or the 400 answer naming the bad parameter. */
function selectionOf(c: Context, timeZone: string): SelectionSpec | Response {
  try {
    return apiSelection(new URL(c.req.url).searchParams, timeZone);
  } catch (error) {
    if (!(error instanceof SelectionError)) throw error;
    return c.json({ error: error.message }, 400);
  }
}

/** ?format= : json (the default) or csv; a 400 answer for anything else. */
function formatOf(c: Context): "json" | "csv" | Response {
  const format = c.req.query("format") ?? "json";
  if (format === "json" || format === "csv") return format;
  return c.json({ error: `format must be json or csv, got "${format.slice(0, 20)}"` }, 400);
}

/** The minutes a selection covers, as ISO times (null for an open end), and its filters. */
function coverage(sel: Selection) {
  const iso = (m: number | null) => (m === null ? null : new Date(m * 60_000).toISOString());
  const filters = Object.fromEntries(
    (["state", "category", "card", "product"] as const).flatMap((k) =>
      sel[k] === undefined ? [] : [[k, sel[k]]]
    ),
  );
  return { from: iso(sel.fromMinute), to: iso(sel.toMinute), filters };
}

/** A CSV download: text/csv as an attachment named `name`.csv. */
function csvFile(c: Context, name: string, text: string): Response {
  c.header("Content-Type", "text/csv; charset=utf-8");
  c.header("Content-Disposition", `attachment; filename="${name}.csv"`);
  return c.body(text);
}

/** The file name of a selection's CSV: sales-KIND-FROM-TO (dates of its ends) or -all-time. */
function fileName(kind: string, sel: Selection): string {
  const day = (m: number | null) => (m === null ? "" : new Date(m * 60_000).toISOString());
  const span = sel.fromMinute === null && sel.toMinute === null
    ? "all-time"
    : `${day(sel.fromMinute).slice(0, 16)}-${day(sel.toMinute).slice(0, 16)}`;
  return `sales-${kind}-${span}`.replace(/[^A-Za-z0-9-]/g, "");
}

/**
 * The read replica's part of the summary: `{ replica: { state, behindSeconds, replayedAt,
 * receiving, pendingBytes, checkedAt } }`; nothing when the dashboard reads the primary.
 */
function replicaJson(status: ReplicaStatus | null | undefined, problem: string | null) {
  const view = replicaView(status, problem, DEFAULT_TIME_ZONE);
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
  const timeZone = deps.timeZone ?? DEFAULT_TIME_ZONE;
  return new Hono()
    .get("/summary", async (c) => {
      c.header("Cache-Control", "no-store");
      const format = formatOf(c);
      if (format instanceof Response) return format;
      const spec = selectionOf(c, timeZone);
      if (spec instanceof Response) return spec;
      const { snapshot, problem } = await deps.stores.get(spec).read();
      if (!snapshot) return c.json({ error: problem ?? "no data yet" }, 503);
      const replica = replicaJson(snapshot.replica, problem);
      const lagging = snapshot.replica ? replicaProblem(snapshot.replica) : null;
      const current = { ...summarize(snapshot.totals), ...coverage(snapshot.selection) };
      const previous = snapshot.previous
        ? { ...summarize(snapshot.previous.totals), ...coverage(snapshot.previous.selection) }
        : undefined;
      if (format === "csv") {
        const row = (period: string, s: typeof current) => [
          period,
          s.from,
          s.to,
          ...SUMMARY_COLUMNS.map((k) => s[k]),
        ];
        return csvFile(
          c,
          fileName("summary", snapshot.selection),
          toCsv(
            ["period", "from", "to", ...SUMMARY_COLUMNS],
            previous ? [row("current", current), row("previous", previous)] : [
              row("current", current),
            ],
          ),
        );
      }
      return c.json({
        ...current,
        previous,
        asOf: snapshot.asOf.toISOString(),
        stale: (problem ?? lagging) !== null,
        problem: problem ?? lagging,
        retention: retentionView(snapshot.retention, snapshot.selection),
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
      const found = Object.hasOwn(BREAKDOWNS, kind) ? BREAKDOWNS[kind] : undefined;
      if (!found) {
        return c.json({
          error: `unknown breakdown "${kind.slice(0, 40)}"; use one of ${
            Object.keys(BREAKDOWNS).join(", ")
          }`,
        }, 404);
      }
      const format = formatOf(c);
      if (format instanceof Response) return format;
      const limitText = c.req.query("limit") ?? String(DEFAULT_LIMIT);
      const limit = Number(limitText);
      if (!/^\d+$/.test(limitText) || limit < 1 || limit > MAX_LIMIT) {
        return c.json({ error: `limit must be a whole number from 1 to ${MAX_LIMIT}` }, 400);
      }
      const spec = selectionOf(c, timeZone);
      if (spec instanceof Response) return spec;
      c.header("Cache-Control", "no-store");
      const now = minuteOf(new Date());
      const sel = resolveSelection(spec, now);
      let rows: object[];
      try {
        const read = () => found.rows(deps.sql, sel, now, limit);
        rows = await (deps.metrics ? deps.metrics.timeQuery("breakdown", read) : read());
      } catch (error) {
        if (isStatementTimeout(error)) {
          return c.json({
            error:
              "PostgreSQL took longer than the statement timeout to read this breakdown; narrow the range or try again",
          }, 504);
        }
        return c.json({ error: "PostgreSQL is unreachable; try again shortly" }, 503);
      }
      if (format === "csv") {
        const cells = rows.map((r) =>
          found.columns.map(([, field]) => (r as Record<string, string | number>)[field] ?? null)
        );
        return csvFile(
          c,
          fileName(kind, sel),
          toCsv(found.columns.map(([header]) => header), cells),
        );
      }
      return c.json({ kind, ...coverage(sel), rows });
    });
}
