/** `deno task serve`: the dashboard server (routes/app.ts) over its database, Kafka and report readers. */
import { parseCli } from "./lib/infra/cli.ts";
import type { Config } from "./lib/infra/config.ts";
import { connectAs } from "./lib/infra/db.ts";
import { connectMigrated } from "./lib/infra/migrate.ts";
import type { DashboardDeps } from "./lib/serve/deps.ts";
import { createDashboardKafka, quietKafkaTimerWarnings } from "./lib/infra/kafka.ts";
import { kafkaEndOffsets } from "./lib/serve/lag.ts";
import { kafkaReports } from "./lib/serve/reports_reader.ts";
import { createSnapshotStores, loadSnapshot } from "./lib/store/snapshot.ts";
import { createApp } from "./routes/app.ts";

/** The running collaborators of a server process, and how to close them. */
interface Services {
  deps: DashboardDeps;
  close(): Promise<void>;
}

/**
 * Creates the database when missing and migrates it (as DATABASE_URL's user), then opens the
 * dashboard's read-only client (role sales_reader, or DASHBOARD_DATABASE_URL), its Kafka admin,
 * and the reader of the report topics under `reportPrefix` (started in the background).
 */
async function openServices(
  config: Config,
  token?: string,
  reportPrefix = "",
): Promise<Services> {
  await (await connectMigrated(config.databaseUrl)).end();
  const sql = await connectAs(config.databaseUrl, "sales_reader", config.dashboardDatabaseUrl, {
    max: 4,
    connect_timeout: 3,
    connection: { application_name: "sales-dashboard", statement_timeout: 5_000 },
  });
  const source = { groupId: config.groupId, topic: config.salesTopic };
  const stores = createSnapshotStores((spec) => loadSnapshot(sql, source, spec));
  const kafka = createDashboardKafka(config.kafkaBrokers);
  const log = (line: string) => console.error(line);
  const endOffsets = kafkaEndOffsets(kafka, config.salesTopic, { log });
  const reports = kafkaReports(kafka, reportPrefix, { log });
  return {
    deps: { sql, stores, endOffsets, reports, token },
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
JSON: GET /api/summary, GET /api/breakdown/{category|state|city|card|customer}[?limit=N],
GET /api/reports (every report topic's current rows).
--prefix P              prefix of the report topics (REPORT_TOPIC_PREFIX; default none)
DASHBOARD_TOKEN         when set, every request (page, fragments, API, static files) needs
                        "Authorization: Bearer TOKEN" or basic auth with TOKEN as the
                        password; 401 otherwise.
DASHBOARD_DATABASE_URL  the read-only connection (default: DATABASE_URL as role sales_reader).`;

if (import.meta.main) {
  const { config, values } = parseCli(USAGE, { prefix: { type: "string" } });
  const token = Deno.env.get("DASHBOARD_TOKEN") || undefined;
  quietKafkaTimerWarnings();
  const reportPrefix = (values.prefix as string | undefined) ??
    Deno.env.get("REPORT_TOPIC_PREFIX") ?? "";
  let services: Services;
  try {
    services = await openServices(config, token, reportPrefix);
  } catch (error) {
    console.error(`Cannot start dashboard: ${(error as Error).message}`);
    Deno.exit(1);
  }
  const controller = new AbortController();
  const server = Deno.serve({
    hostname: config.host,
    port: config.port,
    signal: controller.signal,
    onListen: ({ hostname, port }) => {
      const shown = hostname.includes(":") ? `[${hostname}]` : hostname;
      console.log(
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
