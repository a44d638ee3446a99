/**
 * The dashboard's p50/p99 per selection on an existing database, as the growth bench measures it
 * (main.ts, 50 clients for 5 s per selection), and its failed snapshot loads, as one JSON line:
 * `deno run -A scripts/bench/dashboard_on.ts --database bench_NAME [--seconds S]`
 */
import { parseCli } from "../../lib/infra/cli.ts";
import { createKafka } from "../../lib/infra/kafka.ts";
import { loadDashboard } from "./dashboard.ts";
import { keptDatabaseName, wholeNumber } from "./growth.ts";
import { loadAverage } from "./proc.ts";
import { round } from "./stats.ts";
import { Resources } from "./resources.ts";

const USAGE = `Usage: deno run -A scripts/bench/dashboard_on.ts --database bench_NAME [options]

The dashboard's p50 and p99 per selection on bench_NAME as it is (50 clients per selection), and
its snapshot loads that failed meanwhile (timed out: the pages answered from an older snapshot), as
one JSON line.
  --database bench_NAME  the database (bench_ and lower-case letters, digits or _)
  --seconds S            seconds per selection, 1 to 600 (default 5)`;

const { config, options } = parseCli("bench", USAGE, {
  database: { type: "string" },
  seconds: { type: "string" },
}, (values) => ({
  name: keptDatabaseName("--database", values.database as string | undefined),
  seconds: wholeNumber("--seconds", (values.seconds as string | undefined) ?? "5", 1, 600),
}));
const { name, seconds } = options;
const runId = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
const kafka = createKafka(config.kafkaBrokers, "sales-bench", { security: config.kafkaSecurity });
const resources = new Resources(config.databaseUrl, kafka, runId);
const u = new URL(config.databaseUrl);
u.pathname = `/${name}`;
try {
  const load = loadAverage();
  const results = await loadDashboard({
    resources,
    url: u.toString(),
    brokers: config.kafkaBrokers,
    topic: `bench_${runId}_none`,
    clients: 50,
    seconds,
  });
  console.log(JSON.stringify({
    database: name,
    load,
    load_after: loadAverage(),
    p50_ms: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, round(r.p50, 1)])),
    p99_ms: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, round(r.p99, 1)])),
    failed_loads: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.failedLoads])),
  }));
} finally {
  await resources.release((line) => console.error(line));
}
