/**
 * Ingests N fresh sales through consumer.ts into an existing database (kept, e.g. one filled by
 * keep_history.ts, or made empty here with `--empty`), and prints one JSON line: records/s, CPU µs
 * per sale, and the cluster's WAL, full-page images, checkpoints and block reads per sale.
 * With `--dashboard`, then the dashboard's p99 per selection as the growth bench measures it
 * (vacuum, checkpoint, 50 clients for 5 s each).
 * `deno run -A scripts/bench/ingest_into.ts --database bench_NAME --n N --seed S [--empty]
 * [--dashboard]`
 */
import { connect, maintenanceUrl } from "../../lib/infra/db.ts";
import { migrate } from "../../lib/infra/migrate.ts";
import { parseCli } from "../../lib/infra/cli.ts";
import { createKafka } from "../../lib/infra/kafka.ts";
import { generateSales } from "../../lib/produce/generate.ts";
import { produceRecords } from "../../lib/produce/produce_records.ts";
import { runConsumer } from "./consumer.ts";
import { loadDashboard } from "./dashboard.ts";
import { loadAverage } from "./proc.ts";
import { round } from "./stats.ts";
import { diskBytes, keptDatabaseName, MAX_GROWTH_SIZE, wholeNumber } from "./growth.ts";
import { Resources } from "./resources.ts";

const USAGE =
  `Usage: deno run -A scripts/bench/ingest_into.ts --database bench_NAME --n N --seed S [options]

Produces N fresh sales (generator seed S, a new seed per run) and ingests them through consumer.ts
into bench_NAME, then prints one JSON line: records/s, CPU, WAL, full-page images, block reads.
  --database bench_NAME  the database (bench_ and lower-case letters, digits or _), kept after
  --n N                  fresh sales, 1 to 10000000
  --seed S               the generator's seed, 1 to ${MAX_GROWTH_SIZE}
  --empty                drop and re-create bench_NAME empty first
  --dashboard            then the dashboard's p99 per selection (50 clients, 5 s each)`;

const { config, options } = parseCli("bench", USAGE, {
  database: { type: "string" },
  n: { type: "string" },
  seed: { type: "string" },
  empty: { type: "boolean" },
  dashboard: { type: "boolean" },
}, (values) => ({
  name: keptDatabaseName("--database", values.database as string | undefined),
  n: wholeNumber("--n", values.n as string | undefined, 1, 10_000_000),
  seed: wholeNumber("--seed", values.seed as string | undefined, 1, MAX_GROWTH_SIZE),
  empty: values.empty === true,
  dashboard: values.dashboard === true,
}));
const { name, n, seed, empty, dashboard } = options;
const runId = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
const kafka = createKafka(config.kafkaBrokers, "sales-bench", { security: config.kafkaSecurity });
const resources = new Resources(config.databaseUrl, kafka, runId);
const say = (line: string) => console.error(line);
const u = new URL(config.databaseUrl);
u.pathname = `/${name}`;
const url = u.toString();
const admin = connect(maintenanceUrl(config.databaseUrl), { max: 1 });
try {
  if (empty) {
    await admin`drop database if exists ${admin(name)}`;
    await admin`create database ${admin(name)}`;
    const sql = connect(url, { max: 1 });
    await migrate(sql);
    await sql.end({ timeout: 5 });
  }
  const topic = await resources.topic("sales", 6);
  const records = [...generateSales(n, seed)].map((record, i) => ({ line: i + 1, record }));
  const sent = await produceRecords(records, { kafka, topic, partitions: 6, delayMs: [0, 0] });
  if (sent.sent !== n) throw new Error(`produced ${sent.sent} of ${n}`);
  await admin`checkpoint`;
  const stats = async () => {
    const [r] = await admin`
      select w.wal_records::bigint::text as records, w.wal_fpi::bigint::text as fpi,
        w.wal_bytes::bigint::text as bytes,
        (b.checkpoints_timed + b.checkpoints_req)::bigint::text as checkpoints,
        (select sum(blks_read)::bigint::text from pg_stat_database) as reads,
        (select sum(blks_hit)::bigint::text from pg_stat_database) as hits
      from pg_stat_wal w, pg_stat_bgwriter b`;
    return Object.fromEntries(Object.entries(r!).map(([k, v]) => [k, Number(v)]));
  };
  const before = await stats();
  const load = loadAverage();
  const settings = Object.fromEntries(
    (await admin`select name, current_setting(name) as value from pg_settings where name in
      ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'wal_compression')`)
      .map((r) => [r.name, r.value]),
  );
  const run = await runConsumer({
    resources,
    url,
    brokers: config.kafkaBrokers,
    topic,
    group: resources.group("ingest"),
    partitions: 6,
    n,
    checkDrift: empty,
    progress: say,
  });
  const after = await stats();
  const per = (k: string) => round((after[k]! - before[k]!) / n);
  const sql = connect(url, { max: 1 });
  const bytes = await diskBytes(sql);
  let p99: Record<string, number> | null = null;
  let failedLoads: Record<string, number | undefined> | null = null;
  if (dashboard) {
    await sql`vacuum (analyze)`;
    await admin`checkpoint`;
    const loads = await loadDashboard({
      resources,
      url,
      brokers: config.kafkaBrokers,
      topic,
      clients: 50,
      seconds: 5,
    });
    p99 = Object.fromEntries(
      Object.entries(loads).map(([k, r]) => [k, round(r.p99)]),
    );
    failedLoads = Object.fromEntries(Object.entries(loads).map(([k, r]) => [k, r.failedLoads]));
  }
  await sql.end({ timeout: 5 });
  console.log(JSON.stringify({
    database: name,
    n,
    load,
    load_after: loadAverage(),
    settings,
    rps: Math.round(n / (run.ms / 1000)),
    cpu_us: {
      consumer: round(run.cpuUs.main + run.cpuUs.other, 1),
      postgres: round(run.cpuUs.postgres, 1),
    },
    sales: run.sales,
    drift: run.drift,
    per_sale: {
      wal_bytes: per("bytes"),
      wal_records: per("records"),
      fpi: per("fpi"),
      blks_read: per("reads"),
      blks_hit: per("hits"),
    },
    checkpoints: after.checkpoints! - before.checkpoints!,
    dashboard_p99_ms: p99,
    dashboard_failed_loads: failedLoads,
    dashboard_load: loadAverage(),
    bytes_per_sale: Math.round(bytes.total / run.sales),
    by_table_per_sale: Object.fromEntries(
      Object.entries(bytes.byTable).map(([k, v]) => [k, round(v / run.sales, 1)]),
    ),
  }));
} finally {
  await admin.end({ timeout: 5 });
  await resources.release(say);
}
