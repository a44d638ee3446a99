/** `deno task serve`: the dashboard server (routes/app.ts) over its database, Kafka and report readers. */
import { failureReason, parseCli } from "./lib/infra/cli.ts";
import type { TaskConfig } from "./lib/infra/config.ts";
import { connectService } from "./lib/infra/migrate.ts";
import { createDashboardKafka, quietKafkaTimerWarnings } from "./lib/infra/kafka.ts";
import { verifyKafkaTls } from "./lib/infra/kafka_security.ts";
import { kafkaEndOffsets } from "./lib/consume/lag.ts";
import { kafkaReports } from "./lib/reports/retrying_reader.ts";
import { createReplicaWatch } from "./lib/store/replica.ts";
import { createSnapshotStores, loadSnapshot } from "./lib/store/snapshot.ts";
import { createApp } from "./routes/app.ts";
import type { DashboardDeps } from "./routes/deps.ts";
import { dashboardMetrics } from "./routes/operations.ts";
import { configureLogging, logger } from "./lib/infra/log.ts";

/** The dashboard's log lines (LOG_FORMAT: text or json). */
const log = logger("dashboard");

/** The dashboard's PostgreSQL connections. */
const POOL_SIZE = 4;
/**
 * How long a statement of a snapshot load may run: longer than the 5 s of the pool's other reads,
 * because the snapshot store serves the last snapshot while a slow selection (an all-time filter
 * over a long history: about 4 s at 30M stored sales) loads in the background.
 */
const SNAPSHOT_STATEMENT_TIMEOUT_MS = 30_000;
/**
 * Parallel workers per query of a snapshot load: none. At 30M stored sales the all-time state
 * selection loaded as fast without them (4.1 and 5.0 s against 4.4 and 4.6 s), and the dashboard's
 * p99 while it loads fell from 31–37 to 16–19 ms: the two workers took the cores requests are
 * served on (BENCHMARKS.md).
 */
const SNAPSHOT_PARALLEL_WORKERS = 0;

/** The running collaborators of a server process, and how to close them. */
interface Services {
  deps: DashboardDeps;
  close(): Promise<void>;
}

/**
 * Opens the dashboard's read-only client, logged in directly as sales_reader (or as
 * DASHBOARD_DATABASE_URL's user; the database is created and migrated first only when it needs
 * it, and never on a read replica, where it waits for the primary's migrations instead), its
 * Kafka admin, and the reader of the report topics under `reportPrefix` (started in the
 * background).
 */
async function openServices(
  config: TaskConfig<"serve">,
  token?: string,
  reportPrefix = "",
): Promise<Services> {
  const timeZone = config.dashboardTimeZone;
  // The readers' notes: a failure is a warning; a state that is normal at start (the report
  // topics not created yet, a replica catching up) or a recovery is information.
  const say = (line: string) =>
    /unavailable|failed|cannot|unreachable/i.test(line) ? log.warn(line) : log.info(line);
  const metrics = dashboardMetrics({ processMetrics: true, poolSize: POOL_SIZE });
  const sql = await connectService(config.database, "dashboard", {
    max: POOL_SIZE,
    connect_timeout: 3,
    connection: { application_name: "sales-dashboard", statement_timeout: 5_000 },
  }, say);
  const source = {
    groupId: config.groupId,
    topic: config.salesTopic,
    replicaWatch: createReplicaWatch(),
    statementTimeoutMs: SNAPSHOT_STATEMENT_TIMEOUT_MS,
    parallelWorkers: SNAPSHOT_PARALLEL_WORKERS,
  };
  const stores = createSnapshotStores((spec) =>
    metrics.timeQuery("snapshot", () => loadSnapshot(sql, source, spec))
  );
  await verifyKafkaTls(config.kafkaBrokers, config.kafkaSecurity); // a bad CA fails now, not later
  const kafka = createDashboardKafka(config.kafkaBrokers, config.kafkaSecurity);
  const endOffsets = kafkaEndOffsets(kafka, config.salesTopic, { log: say });
  const reports = kafkaReports(kafka, reportPrefix, { log: say });
  return {
    deps: { sql, stores, endOffsets, reports, token, timeZone, metrics },
    async close() {
      await reports.close();
      await endOffsets.close();
      await stores.settled();
      await sql.end({ timeout: 5 });
    },
  };
}

const USAGE = `Usage: deno task serve [--host HOST] [--port PORT] [--prefix P]

Serves the live sales dashboard (reads PostgreSQL aggregates, Kafka end offsets for lag) and, at
/kafka, the current values of the report topics that \`deno task reports\` keeps.
JSON: GET /api/summary, GET /api/breakdown/{category|state|city|card|customer|product}[?limit=N],
each also as CSV with ?format=csv; GET /api/reports (every report topic's current rows).
Operations: /metrics (Prometheus; behind DASHBOARD_TOKEN when one is set), /healthz and /readyz
(never behind it) on the same port.`;

if (import.meta.main) {
  const { config } = parseCli("serve", USAGE, {});
  configureLogging(config.logFormat);
  const token = config.dashboardToken?.value();
  const reportPrefix = config.reportPrefix;
  quietKafkaTimerWarnings();
  let services: Services;
  try {
    services = await openServices(config, token, reportPrefix);
  } catch (error) {
    const what = `read the end offsets of ${config.salesTopic}`;
    log.error(`Cannot start dashboard: ${failureReason(error, config, what)}`);
    Deno.exit(1);
  }
  const controller = new AbortController();
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    signal: controller.signal,
    onListen: ({ hostname, port }) => {
      const shown = hostname.includes(":") ? `[${hostname}]` : hostname;
      log.ready(
        `Dashboard at http://${shown}:${port}/${token ? " (DASHBOARD_TOKEN required)" : ""}`,
      );
    },
  }, createApp(services.deps).fetch);
  const shutdown = () => controller.abort();
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
  await server.finished;
  await services.close();
}
