/**
 * The dashboard's operations side: /metrics (behind the token when one is set), /healthz and
 * /readyz (never behind it, never any data), and the measures behind them: each request's
 * duration by route pattern and status, PostgreSQL query durations and connections in use, the
 * report-topic reader's lag.
 */
import client from "prom-client";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import {
  createRegistry,
  healthResponse,
  metricsResponse,
  readinessResponse,
  type Registry,
} from "../lib/infra/metrics_server.ts";
import { databaseUnready } from "../lib/infra/migrate.ts";
import { isStatementTimeout, type Sql } from "../lib/infra/db.ts";
import type { EndOffsetsReader } from "../lib/consume/lag.ts";
import type { ReportsReader } from "../lib/reports/retrying_reader.ts";

/** What the operations side reads: the database, Kafka's end offsets, the report reader. */
interface OperationsSources {
  sql: Sql;
  endOffsets: EndOffsetsReader | null;
  reports?: ReportsReader;
}

/** Buckets of the request and query durations, in seconds: 1 ms to 10 s. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The route label of a request no route matched (a 404): never the raw URL. */
const UNMATCHED = "unmatched";

/** The dashboard's metrics: a registry and the timers the routes and the stores use. */
export interface DashboardMetrics {
  registry: Registry;
  /** Times one PostgreSQL read (`query` names it: snapshot, breakdown ...), counting it in use. */
  timeQuery<T>(query: string, work: () => Promise<T>): Promise<T>;
}

/** The dashboard's metrics in a new registry; `processMetrics` adds CPU, memory and event loop. */
export function dashboardMetrics(
  options: { processMetrics?: boolean; poolSize?: number } = {},
): DashboardMetrics {
  const registry = createRegistry(options.processMetrics ?? false);
  const queries = new client.Histogram({
    name: "sales_dashboard_db_query_duration_seconds",
    help: "Duration of the dashboard's PostgreSQL reads, by what they read",
    labelNames: ["query"] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  const failures = new client.Counter({
    name: "sales_dashboard_db_query_failures_total",
    help:
      "The dashboard's PostgreSQL reads that failed, by what they read and why: timeout (cancelled at its statement_timeout) or error",
    labelNames: ["query", "reason"] as const,
    registers: [registry],
  });
  // Present at 0 from the start, so an alert's rate() sees the first failure.
  for (const query of ["snapshot", "breakdown"]) {
    for (const reason of ["timeout", "error"]) failures.inc({ query, reason }, 0);
  }
  const inUse = new client.Gauge({
    name: "sales_dashboard_db_connections_in_use",
    help: "The dashboard's PostgreSQL reads in flight: its pool's connections in use",
    registers: [registry],
  });
  new client.Gauge({
    name: "sales_dashboard_db_connections_max",
    help: "The size of the dashboard's PostgreSQL pool",
    registers: [registry],
  }).set(options.poolSize ?? 4);
  new client.Histogram({
    name: "http_server_request_duration_seconds",
    help: "Duration of the dashboard's HTTP requests, by route pattern and status",
    labelNames: ["route", "status"] as const,
    buckets: BUCKETS,
    registers: [registry],
  });
  return {
    registry,
    async timeQuery(query, work) {
      const end = queries.startTimer({ query });
      inUse.inc();
      try {
        return await work();
      } catch (error) {
        failures.inc({ query, reason: isStatementTimeout(error) ? "timeout" : "error" });
        throw error;
      } finally {
        inUse.dec();
        end();
      }
    },
  };
}

/** The route pattern a request matched ("/api/breakdown/:dimension"), never its URL. */
function routeOf(c: Context): string {
  const routes = matchedRoutes(c).filter((r) => r.method !== "ALL" || !/\*$/.test(r.path));
  return routes.at(-1)?.path ?? UNMATCHED;
}

/**
 * The operations side of the app: `timer` goes first (every request counts, 401s included),
 * `open` (/healthz, /readyz) before the token check, `guarded` (/metrics) after it.
 */
export function operationsRoutes(deps: OperationsSources, metrics: DashboardMetrics) {
  const requests = metrics.registry.getSingleMetric(
    "http_server_request_duration_seconds",
  ) as client.Histogram<"route" | "status">;
  const timer: MiddlewareHandler = async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = c.res.status === 404 && !matchedRoutes(c).some((r) => r.method !== "ALL")
        ? UNMATCHED
        : routeOf(c);
      requests.observe(
        { route, status: String(c.res.status) },
        (performance.now() - started) / 1000,
      );
    }
  };
  new client.Gauge({
    name: "sales_dashboard_report_reader_lag_messages",
    help: "Messages of the report topics the dashboard's reader has not read yet (absent while " +
      "it does not read them)",
    registers: [metrics.registry],
    collect() {
      this.reset();
      const lag = deps.reports?.lag?.() ?? null;
      if (lag !== null) this.set(lag);
    },
  });
  const open = new Hono();
  open.get("/healthz", () => healthResponse());
  open.get("/readyz", () => readinessResponse(() => dashboardReadiness(deps)));
  const guarded = new Hono();
  guarded.get("/metrics", () => metricsResponse(metrics.registry));
  return { timer, open, guarded };
}

/** Ready: PostgreSQL answers with every migration applied, and Kafka answers. */
async function dashboardReadiness(deps: OperationsSources): Promise<string | undefined> {
  const database = await databaseUnready(deps.sql);
  if (database) return database;
  if (deps.endOffsets && !await deps.endOffsets.read()) return "Kafka does not answer";
  return undefined;
}
