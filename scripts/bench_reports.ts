/**
 * `deno task bench:reports`: the reports process (streams/, Kafka Streams) against the consumer on
 * the same N generated sales, in one run: produce them to a fresh topic, time consumer.ts into a
 * fresh database until every offset is stored, then time the reports process (fresh group, state
 * and report topics) from its start until it is caught up; check every report row against
 * PostgreSQL to the cent. Ends with one JSON line: both times, their ratio, the reports' CPU µs per
 * sale and peak RSS, the load average. Progress goes to stderr.
 */
import { customerKey } from "../lib/core/hashing.ts";
import { parseCli } from "../lib/infra/cli.ts";
import { ConfigError, positiveInt } from "../lib/infra/settings.ts";
import { connect, type Sql } from "../lib/infra/db.ts";
import { brokerAnswers, createKafka, quietKafkaTimerWarnings } from "../lib/infra/kafka.ts";
import { LOCAL_DIR } from "../lib/infra/process.ts";
import { cardHashSecret } from "../lib/infra/secret.ts";
import { generateSales } from "../lib/produce/generate.ts";
import { produceRecords } from "../lib/produce/produce_records.ts";
import { ensureReportsBuilt, startReportsProcess } from "../lib/reports/launch.ts";
import { readReports, type Reports } from "../lib/reports/read.ts";
import { runConsumer } from "./bench/consumer.ts";
import { cpuMs, peakRssMb } from "./bench/proc.ts";
import { Resources } from "./bench/resources.ts";
import { round, thousands } from "./bench/stats.ts";

const USAGE = `Usage: deno task bench:reports [--n 1000000] [--seed 42] [--jfr FILE]

Produces N generated sales to a fresh topic, then, one after the other on the same sales:
  consumer.ts into a fresh database, timed from its start until every offset is stored;
  the reports process (streams/), timed from its start until it is caught up (lag 0 on the
  sales and internal topics, no summed row waiting), with its CPU time and peak RSS; stopped,
  then started again on its state folder and timed until caught up (the restart);
then compares every row of the six report topics with PostgreSQL, to the cent. Everything the
run creates (topic, database, groups, report and internal topics, state) is removed at the end.
Prints one JSON line last: consumer_s, reports_s, ratio (reports / consumer),
reports_cpu_us_per_sale, reports_peak_rss_mb, load_average (1, 5, 15 min after the reports),
reports_restart_s, and more.
Exit 1 when a report row differs from PostgreSQL or a stage fails.
  --n N          sales (default 1000000)
  --seed S       generator seed (default 42)
  --partitions P partitions of the sales topic (SALES_PARTITIONS, default 6)
  --jfr FILE     record a JDK Flight Recording of the reports process' first run into FILE
The reports process runs with its defaults; REPORTS_* variables in the environment (heap,
RocksDB cap, threads, commit interval, ...) reach it, except the ones the run sets itself.
Smoke run: deno task bench:reports --n 2000`;

const { config, options: opts } = parseCli("bench:reports", USAGE, {
  n: { type: "string" },
  seed: { type: "string" },
  jfr: { type: "string" },
}, (values) => {
  const jfr = values.jfr as string | undefined;
  if (jfr !== undefined && !/^[\w./-]+\.jfr$/.test(jfr)) {
    throw new ConfigError(`--jfr must be a file name ending in .jfr (letters, digits, . _ / -)`);
  }
  return {
    n: positiveInt("--n", (values.n as string | undefined) ?? "1000000"),
    seed: positiveInt("--seed", (values.seed as string | undefined) ?? "42"),
    jfr,
  };
});

quietKafkaTimerWarnings();
const t0 = performance.now();
const progress = (line: string) =>
  console.error(
    `[bench:reports ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s, load ${
      loadAverage()[0]
    }] ${line}`,
  );

const runId = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
const kafka = createKafka(config.kafkaBrokers, "sales-bench-reports", {
  security: config.kafkaSecurity,
});
const resources = new Resources(config.databaseUrl, kafka, runId);
/** The reports' group (application id) and report topic prefix: bench_<run>_reports... */
const reportsGroup = `bench_${runId}_reports`;
const reportsPrefix = `bench_${runId}_`;
const stateDir = `${LOCAL_DIR}bench-reports-state/${runId}`;
let stopReports: (() => Promise<unknown>) | undefined;

/** Removes everything the run made: processes, topics, groups, databases, the state folder. */
async function cleanUp(): Promise<void> {
  await stopReports?.().catch(() => {});
  await resources.release(progress);
  const admin = kafka.admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(reportsPrefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 10_000 });
    // A stopped instance with a static id stays a member until its session times out (45 s):
    // until then the group cannot be deleted.
    for (const until = Date.now() + 60_000;;) {
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      if (!groups.includes(reportsGroup)) break;
      const deleted = await admin.deleteGroups([reportsGroup]).then(() => true, () => false);
      if (deleted || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 2_000));
    }
  } catch (error) {
    progress(`cleanup: could not delete the reports' topics: ${(error as Error).message}`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
  await Deno.remove(stateDir, { recursive: true }).catch(() => {});
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    if (interrupted) Deno.exit(130);
    interrupted = true;
    progress(`${signal}: stopping, removing what this run created`);
    await cleanUp();
    Deno.exit(130);
  });
}

/** What the reports run measured. */
interface ReportsRun {
  /** start until the "caught up" line */
  ms: number;
  /** the JVM's user + system time at that moment, in ms */
  cpuMs: number;
  peakRssMb: number;
}

/** Starts the reports process on the topic and waits for its "caught up: lag 0" line. */
async function runReports(topic: string, jfr?: string, stallMs = 120_000): Promise<ReportsRun> {
  const env: Record<string, string> = {
    KAFKA_BROKERS: config.kafkaBrokers.join(","),
    SALES_TOPIC: topic,
    SALES_PARTITIONS: String(config.partitions),
    REPORT_TOPIC_PREFIX: reportsPrefix,
    REPORTS_GROUP: reportsGroup,
    REPORTS_INSTANCE_ID: `${reportsGroup}-1`,
    REPORTS_STATE_DIR: stateDir,
    REPORTS_PROGRESS_S: "1",
    // No /metrics (a running instance may hold the default port); the lines it reads, as text.
    REPORTS_METRICS_PORT: "0",
    LOG_FORMAT: "text",
  };
  // The java launcher reads JDK_JAVA_OPTIONS itself (bin/sales-reports execs java).
  if (jfr) env.JDK_JAVA_OPTIONS = `-XX:StartFlightRecording=filename=${jfr},settings=profile`;
  const started = performance.now();
  const child = startReportsProcess({ output: "piped", env });
  stopReports = () => child.stop();
  let seen = 0, lastChange = started, lastLog = started;
  for (;;) {
    const now = performance.now();
    const lines = child.lines;
    if (lines.some((l) => l.includes("caught up: lag 0"))) break;
    if (lines.length !== seen) [seen, lastChange] = [lines.length, now];
    if (now - lastLog > 10_000) {
      const last = lines.findLast((l) => l.includes(" lag "));
      if (last) progress(`reports: ${last.replace(/^\S+ /, "")}`);
      lastLog = now;
    }
    const exited = await Promise.race([
      child.status,
      new Promise<null>((r) => setTimeout(() => r(null), 50)),
    ]);
    if (exited) {
      throw new Error(
        `the reports process exited with code ${exited.code} before it caught up:\n${
          lines.slice(-20).join("\n")
        }`,
      );
    }
    if (now - lastChange > stallMs) {
      throw new Error(`the reports process printed nothing for ${stallMs / 1000} s`);
    }
  }
  const ms = performance.now() - started;
  const run = { ms, cpuMs: cpuMs(`/proc/${child.pid}/stat`), peakRssMb: peakRssMb(child.pid) };
  const status = await child.stop();
  stopReports = undefined;
  if (status.code !== 0 && status.code !== 143) {
    throw new Error(`the reports process stopped with code ${status.code}`);
  }
  return run;
}

/** The report rows that differ from PostgreSQL's aggregates (a sentence each), and rows compared. */
async function compareWithPostgres(
  reports: Reports,
  sql: Sql,
): Promise<{ wrong: string[]; rows: number }> {
  const wrong: string[] = [];
  let rows = 0;
  const check = (what: string, got: unknown[], want: unknown[]) => {
    rows++;
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      wrong.push(`${what}: ${JSON.stringify(got)} instead of ${JSON.stringify(want)}`);
    }
  };
  const [t] = await sql`
    select sales_count::int, revenue::text, cost::text, (revenue - cost)::text as profit,
      rejected::int, duplicates::int
    from sales_totals`;
  const total = reports.total_sales_summary[0] ?? {};
  check(
    "total_sales_summary",
    [total.sales_count, total.revenue, total.cost, total.profit, total.rejected, total.duplicates],
    [t?.sales_count, t?.revenue, t?.cost, t?.profit, t?.rejected, t?.duplicates],
  );
  const dims: [keyof Reports, string[], Promise<Row[]>][] = [
    [
      "sales_by_category",
      ["category"],
      sql`select c.name as k, sales_count::int, revenue::text, cost::text
        from sales_by_category a join categories c using (category_id)`,
    ],
    [
      "sales_by_state",
      ["state"],
      sql`select state as k, sales_count::int, revenue::text, cost::text from sales_by_state`,
    ],
    [
      "sales_by_city",
      ["state", "city"],
      sql`select state || '/' || city as k, sales_count::int, revenue::text, cost::text
        from sales_by_city`,
    ],
    [
      "credit_card_usage",
      ["card_company"],
      sql`select card_company as k, sales_count::int, revenue::text, null as cost
        from sales_by_card`,
    ],
  ];
  for (const [report, keyFields, query] of dims) {
    const got = new Map(
      reports[report].map((r) => [keyFields.map((f) => String(r[f])).join("/"), r]),
    );
    const want = await query;
    if (got.size !== want.length) {
      wrong.push(`${report}: ${got.size} rows instead of ${want.length}`);
    }
    for (const row of want) {
      const r = got.get(row.k);
      check(
        `${report} ${row.k}`,
        [r?.sales_count, r?.revenue ?? r?.amount, row.cost === null ? null : r?.cost],
        [row.sales_count, row.revenue, row.cost],
      );
    }
  }
  const secret = cardHashSecret();
  const customers = await sql`
    select c.email, a.sales_count::int, a.revenue::text,
      round(a.revenue / a.sales_count, 2)::text as average
    from sales_by_customer a join customers c using (customer_id)`;
  const got = new Map(reports.customer_insights.map((r) => [String(r.customer_key), r]));
  if (got.size !== customers.length) {
    wrong.push(`customer_insights: ${got.size} rows instead of ${customers.length}`);
  }
  for (const row of customers) {
    const r = got.get(customerKey(row.email, secret));
    check(
      "a customer_insights row",
      [r?.purchases, r?.total_spent, r?.average_purchase],
      [row.sales_count, row.revenue, row.average],
    );
  }
  return { wrong, rows };
}

type Row = { k: string; sales_count: number; revenue: string; cost: string | null };

let exitCode = 0;
try {
  if (!await brokerAnswers(config.kafkaBrokers)) {
    throw new Error(
      `Kafka does not answer at ${config.kafkaBrokers.join(",")}; start it with \`deno task up\``,
    );
  }
  const { n } = opts;
  const loadStart = loadAverage();
  progress(`run ${runId}: building streams/ if needed`);
  await ensureReportsBuilt({ say: progress });
  progress(`generating ${n} sales (seed ${opts.seed}, untimed)`);
  const outgoing = [...generateSales(n, opts.seed)].map((record, i) => ({ line: i + 1, record }));
  const topic = await resources.topic("sales", config.partitions);
  progress(`producing ${n} sales to ${topic} (${config.partitions} partitions, untimed)`);
  const summary = await produceRecords(outgoing, {
    kafka,
    topic,
    partitions: config.partitions,
    delayMs: [0, 0],
  });
  outgoing.length = 0;
  if (summary.sent !== n) {
    throw new Error(`the producer sent ${summary.sent} of ${n} (${summary.failed} failed)`);
  }

  const db = await resources.database("consumer");
  progress(`consumer.ts on ${topic} into ${db.name}`);
  const consumer = await runConsumer({
    resources,
    url: db.url,
    brokers: config.kafkaBrokers,
    topic,
    group: resources.group("consumer"),
    partitions: config.partitions,
    n,
    progress,
  });
  const consumerLoad = loadAverage();
  progress(
    `consumer: ${(consumer.ms / 1000).toFixed(1)} s, ${consumer.sales} sales, ${consumer.drift} ` +
      `drifting aggregates`,
  );
  if (consumer.sales !== n || consumer.drift !== 0) {
    throw new Error(`the consumer stored ${consumer.sales} of ${n} sales, ${consumer.drift} drift`);
  }

  progress(`the reports process on ${topic} (group ${reportsGroup})`);
  const reports = await runReports(topic, opts.jfr);
  const loadEnd = loadAverage();
  progress("the reports process again on its state folder (a restart after a clean stop)");
  const restart = await runReports(topic);
  progress(
    `reports: ${(reports.ms / 1000).toFixed(1)} s, CPU ${(reports.cpuMs / 1000).toFixed(1)} s, ` +
      `peak RSS ${reports.peakRssMb.toFixed(0)} MB; reading the report topics`,
  );
  const published = await readReports(kafka, reportsPrefix);
  const sql = connect(db.url, { max: 1 });
  let check: { wrong: string[]; rows: number };
  try {
    check = await compareWithPostgres(published, sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
  for (const line of check.wrong.slice(0, 10)) progress(`differs: ${line}`);
  progress(
    check.wrong.length === 0
      ? `every one of ${thousands(check.rows)} report rows equals PostgreSQL`
      : `${check.wrong.length} of ${thousands(check.rows)} report rows differ from PostgreSQL`,
  );
  const exact = check.wrong.length === 0;
  if (!exact) exitCode = 1;
  const consumerCpuUs = consumer.cpuUs.main + consumer.cpuUs.other + consumer.cpuUs.postgres;
  console.log(JSON.stringify({
    n,
    consumer_s: round(consumer.ms / 1000, 2),
    reports_s: round(reports.ms / 1000, 2),
    ratio: round(reports.ms / consumer.ms, 3),
    reports_cpu_us_per_sale: round((reports.cpuMs * 1000) / n, 1),
    reports_peak_rss_mb: round(reports.peakRssMb, 1),
    reports_restart_s: round(restart.ms / 1000, 2),
    load_average: loadEnd,
    load_average_start: loadStart,
    load_average_after_consumer: consumerLoad,
    consumer_cpu_us_per_sale: round(consumerCpuUs, 1),
    consumer_peak_rss_mb: round(consumer.peakRssMb, 1),
    reports_exact: exact,
    report_rows_checked: check.rows,
    jfr: opts.jfr ?? null,
    run_id: runId,
  }));
} catch (error) {
  progress(`failed: ${(error as Error).stack ?? error}`);
  exitCode = 1;
} finally {
  progress("removing the run's topics, groups, databases, state and processes");
  await cleanUp();
}
Deno.exit(exitCode);

/** The load averages over 1, 5 and 15 minutes (other work on the machine skews every figure). */
function loadAverage(): number[] {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).map(Number);
  } catch {
    return [NaN, NaN, NaN];
  }
}
