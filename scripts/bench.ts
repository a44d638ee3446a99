/**
 * `deno task bench`: one reproducible run on one generated data set, each part in a fresh database
 * and topic: (a) COPY limit, (b) our consumer end-to-end, (c) the original's per-message baseline,
 * (d) the bulk producer, (e) dashboard latency under 50 clients vs a naive aggregate query;
 * with --growth, (f) ingest, CPU, dashboard and disk per sale with history already stored.
 * Prints a table, then the figures as one JSON object on the last line; progress goes to stderr.
 */
import { taskDenoFlags } from "../lib/infra/tasks.ts";
import { parseCli } from "../lib/infra/cli.ts";
import { positiveInt } from "../lib/infra/settings.ts";
import { connect, maintenanceUrl, type Sql } from "../lib/infra/db.ts";
import { generateSales } from "../lib/produce/generate.ts";
import { brokerAnswers, createKafka } from "../lib/infra/kafka.ts";
import { produceRecords } from "../lib/produce/produce_records.ts";
import type { SaleRecord } from "../lib/core/sale.ts";
import { createBaselineSchema, runBaseline } from "./bench/baseline.ts";
import { runConsumer } from "./bench/consumer.ts";
import { copyRecords, createRawTable } from "./bench/copy.ts";
import { diskBytes, fillHistory, type HistoryFill, parseGrowthSizes } from "./bench/growth.ts";
import {
  DASHBOARD_PATHS,
  DASHBOARD_VARIANTS,
  fillDatabase,
  loadDashboard,
  loadNaive,
  type LoadResult,
  naiveAlone,
} from "./bench/dashboard.ts";
import { Resources } from "./bench/resources.ts";
import { loadAverage } from "./bench/proc.ts";
import { microseconds, rate, round, table, thousands } from "./bench/stats.ts";

const USAGE =
  `Usage: deno task bench [--n 200000] [--dash-sizes 10000,1000000] [--skip-dash] [options]

Runs the benchmark of issue 5 on one generated data set, each part in its own fresh database
and topic (all dropped at the end, also on failure or Ctrl-C):
  (a) COPY of the raw records into a plain table          the limit, records/s
  (b) consumer.ts end-to-end from Kafka, exactly-once      records/s, peak RSS, exactness
  (c) the original's per-message look-up-then-insert      records/s on a prefix
  (d) the producer in bulk mode (fills the topic for b)    records/s
  (e) dashboard fragments under concurrent clients        p50/p99 ms, and a naive GROUP BY
Prints a table, then one JSON object as the last line. Progress goes to stderr.
  --n N               sales in the data set (default 200000)
  --seed S            generator seed (default 42)
  --baseline-n N      messages for the baseline (default 5000, at most N)
  --concurrency N     passed to consumer.ts (default: the consumer's own default)
  --dash-sizes A,B    sales in the dashboard databases (default 10000,1000000)
  --dash-seconds S    load duration per size (default 5)
  --clients N         concurrent HTTP clients / naive callers (default 50)
  --skip-dash         skip (e); its JSON keys are then null
  --growth A,B,...    (f) for each stored size (0 to 1000000000, at most 10 sizes): a fresh
                      database filled with that many sales of history (COPY into the normalised
                      tables, spread over a year, size/4 customers; then the aggregate rebuild of
                      \`deno task rebuild\`), then the N sales of (d) through consumer.ts (records/s,
                      CPU µs per sale of the consumer and its PostgreSQL backends), the dashboard
                      under load (p99 per selection) and the bytes on disk per stored sale.
                      Keys *_at of the JSON line, by size. --dash-sizes defaults to 10000 then.
                      E.g. --growth 0,10000000,30000000 (about 5 GB of disk per 10M, dropped after)
Smoke run (CI): deno task bench --n 2000 --dash-sizes 1000`;

/** The partitions of the benchmark topic. */
const PARTITIONS = 6;
/** The dashboard's own pool size (main.ts opens its read-only client with max 4). */
const DASHBOARD_POOL = 4;

const { config, options: opts } = parseCli("bench", USAGE, {
  n: { type: "string" },
  seed: { type: "string" },
  "baseline-n": { type: "string" },
  concurrency: { type: "string" },
  "dash-sizes": { type: "string" },
  "dash-seconds": { type: "string" },
  clients: { type: "string" },
  "skip-dash": { type: "boolean" },
  growth: { type: "string" },
}, (values) => {
  const n = positiveInt("--n", (values.n as string | undefined) ?? "200000");
  const growth = values.growth === undefined
    ? []
    : parseGrowthSizes("--growth", String(values.growth));
  const defaultSizes = growth.length > 0 ? "10000" : "10000,1000000";
  const sizes = ((values["dash-sizes"] as string | undefined) ?? defaultSizes).split(",")
    .map((s) => positiveInt("--dash-sizes", s.trim())).sort((a, b) => a - b);
  return {
    n,
    seed: positiveInt("--seed", (values.seed as string | undefined) ?? "42"),
    baselineN: Math.min(
      n,
      positiveInt("--baseline-n", (values["baseline-n"] as string | undefined) ?? "5000"),
    ),
    concurrency: values.concurrency === undefined
      ? undefined
      : positiveInt("--concurrency", values.concurrency as string),
    dashSizes: values["skip-dash"] ? [] : [...new Set(sizes)],
    dashSeconds: positiveInt("--dash-seconds", (values["dash-seconds"] as string) ?? "5"),
    clients: positiveInt("--clients", (values.clients as string | undefined) ?? "50"),
    growth,
  };
});

const t0 = performance.now();
const progress = (line: string) =>
  console.error(
    `[bench ${
      ((performance.now() - t0) / 1000).toFixed(1).padStart(6)
    } s, load ${loadAverage()}] ${line}`,
  );

const runId = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
const kafka = createKafka(config.kafkaBrokers, "sales-bench", { security: config.kafkaSecurity });
const resources = new Resources(config.databaseUrl, kafka, runId);

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, async () => {
    if (interrupted) Deno.exit(130);
    interrupted = true;
    progress(`${signal}: stopping, removing what this run created`);
    await resources.release(progress);
    Deno.exit(130);
  });
}

/** Flushes dirty pages so one stage's writes do not slow the next one's timing. */
async function checkpoint(): Promise<void> {
  const admin = connect(maintenanceUrl(config.databaseUrl), { max: 1 });
  try {
    await admin`checkpoint`;
  } catch {
    /* not allowed for this user: timings are a bit noisier */
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** Runs `fn` on a client of `url` as the configured (owner) user. */
async function withAdmin<T>(url: string, fn: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = connect(url, { max: 1 });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Runs `fn` on a fresh database and drops it afterwards. */
async function withDatabase<T>(
  label: string,
  bare: boolean,
  fn: (sql: Sql, url: string) => Promise<T>,
): Promise<T> {
  const db = await resources.database(label, bare);
  const sql = connect(db.url, { max: 1 });
  try {
    return await fn(sql, db.url);
  } finally {
    await sql.end({ timeout: 5 });
    await resources.dropDatabase(db.name);
  }
}

interface DashFigures {
  size: number;
  fillMs: number;
  /** the load figures per selection (DASHBOARD_VARIANTS), "all" first */
  dashboard: Record<string, LoadResult>;
  naive: LoadResult;
  naiveAloneMs: number;
}

/** What (f) measured at one stored size. */
interface GrowthFigures {
  size: number;
  fill: HistoryFill | null;
  /** records/s from spawning consumer.ts until the N offsets are stored */
  rps: number;
  /** CPU µs per fresh sale: consumer main thread, its other threads, its PostgreSQL backends */
  cpuUs: { main: number; other: number; postgres: number };
  exact: boolean;
  dashboard: Record<string, LoadResult>;
  /** bytes of every table with its indexes, after the fresh sales; per table */
  bytes: { total: number; byTable: Record<string, number> };
  stored: number;
  load: string;
}

let exitCode = 0;
try {
  if (!await brokerAnswers(config.kafkaBrokers)) {
    throw new Error(
      `Kafka does not answer at ${config.kafkaBrokers.join(",")}; start it with \`deno task up\``,
    );
  }
  const machine = await describeMachine();
  progress(`machine: ${machine.text}`);
  const { n } = opts;
  progress(`run ${runId}: generating ${n} sales (seed ${opts.seed}, untimed)`);
  const records: SaleRecord[] = [...generateSales(n, opts.seed)];
  const outgoing = records.map((record, i) => ({ line: i + 1, record }));
  const messages = records.slice(0, opts.baselineN).map((r) => JSON.stringify(r));

  // (a) the limit
  await checkpoint();
  progress(`(a) COPY of ${n} raw records`);
  const copyMs = await withDatabase("copy", true, async (sql) => {
    await createRawTable(sql);
    return await copyRecords(sql, records);
  });
  const copyRps = rate(n, copyMs);
  progress(`(a) ${thousands(copyRps)} records/s`);

  // (d) the producer, which also fills the topic for (b)
  const topic = await resources.topic("sales", PARTITIONS);
  progress(`(d) producing ${n} records to ${topic} (${PARTITIONS} partitions, bulk)`);
  const produceStarted = performance.now();
  const summary = await produceRecords(outgoing, {
    kafka,
    topic,
    partitions: PARTITIONS,
    delayMs: [0, 0],
  });
  const produceMs = performance.now() - produceStarted;
  if (summary.sent !== n) {
    throw new Error(`producer sent ${summary.sent} of ${n} (${summary.failed} failed)`);
  }
  const producerRps = rate(n, produceMs);
  progress(`(d) ${thousands(producerRps)} records/s`);

  // (b) our consumer
  await checkpoint();
  const consumerDb = await resources.database("consumer");
  const group = resources.group("consumer");
  progress(`(b) consumer.ts on ${topic} into ${consumerDb.name}`);
  const consumer = await runConsumer({
    resources,
    url: consumerDb.url,
    brokers: config.kafkaBrokers,
    topic,
    group,
    partitions: PARTITIONS,
    n,
    concurrency: opts.concurrency,
    progress,
  });
  await resources.dropDatabase(consumerDb.name);
  const consumerRps = rate(n, consumer.ms);
  const exact = consumer.sales === n && consumer.drift === 0;
  progress(
    `(b) ${thousands(consumerRps)} records/s, peak RSS ${consumer.peakRssMb.toFixed(0)} MB, ` +
      `${consumer.sales} sales, ${consumer.drift} drifting aggregates`,
  );

  // (c) the original's way
  await checkpoint();
  progress(`(c) baseline: ${opts.baselineN} messages, one autocommit statement per step`);
  const baselineMs = await withDatabase("baseline", true, async (sql) => {
    await createBaselineSchema(sql);
    return await runBaseline(sql, messages);
  });
  const baselineRps = rate(opts.baselineN, baselineMs);
  progress(`(c) ${thousands(baselineRps)} records/s`);

  // (e) the dashboard
  const dash: DashFigures[] = [];
  for (const size of opts.dashSizes) {
    const db = await resources.database(`dash${size}`);
    progress(`(e) filling ${db.name} with ${size} sales through writeBatch`);
    const fillMs = await fillDatabase(db.url, size, { seed: opts.seed + size, progress });
    progress(`(e) filled in ${(fillMs / 1000).toFixed(1)} s (${thousands(rate(size, fillMs))}/s)`);
    // Settle the freshly filled tables (as autovacuum would) so it does not run during the load.
    await withAdmin(db.url, (sql) => sql`vacuum (analyze)`);
    await checkpoint();
    progress(
      `(e) dashboard at ${size} sales: ${opts.clients} clients for ${opts.dashSeconds} s per ` +
        `selection (${DASHBOARD_VARIANTS.map((v) => v.name).join(", ")})`,
    );
    const dashboard = await loadDashboard({
      resources,
      url: db.url,
      brokers: config.kafkaBrokers,
      topic,
      clients: opts.clients,
      seconds: opts.dashSeconds,
    });
    progress(
      `(e) naive aggregate at ${size} sales: ${opts.clients} callers, pool ${DASHBOARD_POOL}`,
    );
    const naive = await loadNaive({
      url: db.url,
      clients: opts.clients,
      pool: DASHBOARD_POOL,
      seconds: opts.dashSeconds,
    });
    const naiveAloneMs = await naiveAlone(db.url);
    await resources.dropDatabase(db.name);
    progress(
      `(e) ${size}: dashboard p50/p99 ${
        Object.entries(dashboard).map(([k, r]) => `${k} ${r.p50.toFixed(1)}/${r.p99.toFixed(1)}`)
          .join(", ")
      } ms; naive p50 ${naive.p50.toFixed(1)} / p99 ${naive.p99.toFixed(1)} ms`,
    );
    dash.push({ size, fillMs, dashboard, naive, naiveAloneMs });
  }

  // (f) growth: the same N sales into a database already holding each size of history
  const growth: GrowthFigures[] = [];
  for (const size of opts.growth) {
    const db = await resources.database(`growth${size}`);
    let fill: HistoryFill | null = null;
    if (size > 0) {
      progress(`(f) filling ${db.name} with ${thousands(size)} sales of history (COPY, rebuild)`);
      fill = await fillHistory(db.url, size, {
        seed: opts.seed + size,
        partitions: PARTITIONS,
        progress,
      });
      progress(
        `(f) history: COPY ${sec(fill.copyMs)} (${fill.customers} customers), rebuild ` +
          `${sec(fill.rebuildMs)}; vacuum (analyze)`,
      );
      // As autovacuum would have done by then: visibility map, hint bits and statistics.
      await withAdmin(db.url, (sql) => sql`vacuum (analyze)`);
    }
    await checkpoint();
    const load = loadAverage();
    progress(`(f) at ${thousands(size)} stored: consumer.ts on ${topic} (load ${load})`);
    const run = await runConsumer({
      resources,
      url: db.url,
      brokers: config.kafkaBrokers,
      topic,
      group: resources.group(`growth${size}`),
      partitions: PARTITIONS,
      n,
      concurrency: opts.concurrency,
      checkDrift: size === 0,
      progress,
    });
    const exact = run.sales === size + n && (run.drift ?? 0) === 0;
    const rps = rate(n, run.ms);
    progress(
      `(f) at ${thousands(size)}: ${thousands(rps)} records/s, CPU µs per sale ${
        microseconds(run.cpuUs.main + run.cpuUs.other)
      } consumer + ${microseconds(run.cpuUs.postgres)} PostgreSQL; ${run.sales} sales` +
        (run.drift === null ? " (aggregates not compared)" : `, ${run.drift} drifting aggregates`),
    );
    if (!exact) throw new Error(`(f) at ${size}: ${run.sales} sales stored, expected ${size + n}`);
    await withAdmin(db.url, (sql) => sql`vacuum (analyze)`);
    await checkpoint();
    const dashboard = await loadDashboard({
      resources,
      url: db.url,
      brokers: config.kafkaBrokers,
      topic,
      clients: opts.clients,
      seconds: opts.dashSeconds,
    });
    const bytes = await withAdmin(db.url, (sql) => diskBytes(sql));
    await resources.dropDatabase(db.name);
    const stored = size + n;
    progress(
      `(f) at ${thousands(size)}: dashboard p99 ${
        Object.entries(dashboard).map(([k, r]) => `${k} ${r.p99.toFixed(1)}`).join(", ")
      } ms; ${(bytes.total / stored).toFixed(0)} bytes per stored sale`,
    );
    growth.push({ size, fill, rps, cpuUs: run.cpuUs, exact, dashboard, bytes, stored, load });
  }

  // Report
  const ratioVsCopy = consumerRps / copyRps;
  const ratioVsBaseline = consumerRps / baselineRps;
  const steadyRps = rate(consumer.steadyRecords, consumer.steadyMs);
  const rows = [
    ["figure", "records/s", "detail"],
    ["(a) COPY raw records (limit)", thousands(copyRps), `${n} rows in ${sec(copyMs)}`],
    [
      "(b) consumer end-to-end",
      thousands(consumerRps),
      `spawn to ${n} offsets stored in ${sec(consumer.ms)}; ${thousands(steadyRps)}/s after ` +
      `the first commit; peak RSS ${consumer.peakRssMb.toFixed(0)} MB ` +
      `(${taskDenoFlags("consume").join(" ") || "no Deno flags"}); CPU µs per sale: ` +
      `${microseconds(consumer.cpuUs.main)} main thread, ${
        microseconds(consumer.cpuUs.other)
      } other threads, ` +
      `${microseconds(consumer.cpuUs.postgres)} PostgreSQL; lock waits seen in ` +
      `${consumer.lockWaits.seen} of ${consumer.lockWaits.polls} polls; ` +
      (exact ? "exact (count and aggregates)" : "NOT EXACT"),
    ],
    [
      "(c) baseline (original sales.py)",
      thousands(baselineRps),
      `${opts.baselineN} messages in ${sec(baselineMs)}`,
    ],
    ["(d) producer, bulk", thousands(producerRps), `${n} records in ${sec(produceMs)}`],
    ["consumer / COPY", ratioVsCopy.toFixed(3), "target >= 0.5"],
    ["consumer / baseline", ratioVsBaseline.toFixed(1), "target >= 30"],
  ];
  const dashRows = [["(e) at sales", "p50 ms", "p99 ms", "requests", "errors", "what"]];
  for (const d of dash) {
    for (const variant of DASHBOARD_VARIANTS) {
      const r = d.dashboard[variant.name]!;
      dashRows.push([
        thousands(d.size),
        r.p50.toFixed(1),
        r.p99.toFixed(1),
        String(r.requests),
        String(r.errors),
        `dashboard ${variant.query ? `?${variant.query}` : "(all time)"}, ${opts.clients} ` +
        `clients over ${DASHBOARD_PATHS.join(" ")}`,
      ]);
      if (variant.name !== "all") continue;
      for (const [path, p] of Object.entries(r.byPath)) {
        dashRows.push(["", p.p50.toFixed(1), p.p99.toFixed(1), "", "", `  ${path}`]);
      }
    }
    dashRows.push([
      thousands(d.size),
      d.naive.p50.toFixed(1),
      d.naive.p99.toFixed(1),
      String(d.naive.requests),
      String(d.naive.errors),
      `naive aggregate over sales, ${opts.clients} callers, pool ${DASHBOARD_POOL}`,
    ]);
    dashRows.push([
      thousands(d.size),
      d.naiveAloneMs.toFixed(1),
      "",
      "3",
      "0",
      "naive aggregate alone (median of 3 sequential calls)",
    ]);
  }
  const growthRows = [[
    "(f) stored",
    "records/s",
    "consumer µs",
    "PG µs",
    ...DASHBOARD_VARIANTS.map((v) => `p99 ${v.name}`),
    "bytes/sale",
    "detail",
  ]];
  for (const g of growth) {
    const top = Object.entries(g.bytes.byTable).slice(0, 4)
      .map(([t, b]) => `${t} ${(b / g.stored).toFixed(0)}`).join(", ");
    growthRows.push([
      thousands(g.size),
      thousands(g.rps),
      microseconds(g.cpuUs.main + g.cpuUs.other),
      microseconds(g.cpuUs.postgres),
      ...DASHBOARD_VARIANTS.map((v) => g.dashboard[v.name]!.p99.toFixed(1)),
      (g.bytes.total / g.stored).toFixed(0),
      `load ${g.load}; ` +
      (g.fill ? `history COPY ${sec(g.fill.copyMs)}, rebuild ${sec(g.fill.rebuildMs)}; ` : "") +
      `bytes/sale: ${top}`,
    ]);
  }
  console.log(`machine: ${machine.text}; load average at the end ${loadAverage()}\n`);
  console.log(table(rows));
  if (dash.length > 0) console.log(`\n${table(dashRows)}`);
  if (growth.length > 0) console.log(`\n${table(growthRows)}`);
  const small = dash[0], large = dash[dash.length - 1];
  console.log(
    `\n${
      exact ? "" : "FAILED: the consumer's result is not exact. "
    }n=${n}; dashboard keys *_10k use ${small ? thousands(small.size) : "-"} sales, *_1m use ${
      large ? thousands(large.size) : "-"
    } sales.`,
  );
  console.log(JSON.stringify({
    n,
    consumer_rps: consumerRps,
    copy_rps: copyRps,
    baseline_rps: baselineRps,
    producer_rps: producerRps,
    ratio_vs_copy: round(ratioVsCopy, 3),
    ratio_vs_baseline: round(ratioVsBaseline, 1),
    dash_p50_ms_10k: ms(small?.dashboard.all?.p50),
    dash_p99_ms_10k: ms(small?.dashboard.all?.p99),
    dash_p50_ms_1m: ms(large?.dashboard.all?.p50),
    dash_p99_ms_1m: ms(large?.dashboard.all?.p99),
    dash_1h_p50_ms_10k: ms(small?.dashboard["1h"]?.p50),
    dash_1h_p99_ms_10k: ms(small?.dashboard["1h"]?.p99),
    dash_1h_p50_ms_1m: ms(large?.dashboard["1h"]?.p50),
    dash_1h_p99_ms_1m: ms(large?.dashboard["1h"]?.p99),
    dash_state_p99_ms_10k: ms(small?.dashboard.state?.p99),
    dash_state_p99_ms_1m: ms(large?.dashboard.state?.p99),
    dash_1h_state_p99_ms_10k: ms(small?.dashboard["1h+state"]?.p99),
    dash_1h_state_p99_ms_1m: ms(large?.dashboard["1h+state"]?.p99),
    naive_p50_ms_1m: ms(large?.naive.p50),
    naive_p99_ms_1m: ms(large?.naive.p99),
    naive_p99_ms_10k: ms(small?.naive.p99),
    naive_alone_ms_1m: ms(large?.naiveAloneMs),
    consumer_peak_rss_mb: round(consumer.peakRssMb, 1),
    consumer_steady_rps: steadyRps,
    consumer_cpu_us_main: round(consumer.cpuUs.main, 1),
    consumer_cpu_us_other: round(consumer.cpuUs.other, 1),
    consumer_cpu_us_postgres: round(consumer.cpuUs.postgres, 1),
    consumer_cpu_us_total: round(
      consumer.cpuUs.main + consumer.cpuUs.other + consumer.cpuUs.postgres,
      1,
    ),
    consumer_lock_waits: consumer.lockWaits.seen,
    consumer_lock_polls: consumer.lockWaits.polls,
    consumer_lock_waiting_statements: consumer.lockWaits.statements,
    consumer_exact: exact,
    ingest_rps_at: bySize(growth, (g) => g.rps),
    cpu_us_per_sale_at: bySize(
      growth,
      (g) => round(g.cpuUs.main + g.cpuUs.other + g.cpuUs.postgres, 1),
    ),
    consumer_cpu_us_per_sale_at: bySize(growth, (g) => round(g.cpuUs.main + g.cpuUs.other, 1)),
    postgres_cpu_us_per_sale_at: bySize(growth, (g) => round(g.cpuUs.postgres, 1)),
    dash_p99_ms_at: bySize(
      growth,
      (g) =>
        Object.fromEntries(DASHBOARD_VARIANTS.map((v) => [v.name, ms(g.dashboard[v.name]?.p99)])),
    ),
    dash_failed_loads_at: bySize(
      growth,
      (g) =>
        Object.fromEntries(
          DASHBOARD_VARIANTS.map((v) => [v.name, g.dashboard[v.name]?.failedLoads ?? null]),
        ),
    ),
    bytes_per_sale_at: bySize(growth, (g) => Math.round(g.bytes.total / g.stored)),
    bytes_per_sale_by_table_at: bySize(
      growth,
      (g) =>
        Object.fromEntries(
          Object.entries(g.bytes.byTable).map(([t, b]) => [t, round(b / g.stored, 1)]),
        ),
    ),
    growth_load_at: bySize(growth, (g) => Number(g.load)),
    growth_fill_ms_at: bySize(
      growth,
      (g) =>
        g.fill ? { copy: Math.round(g.fill.copyMs), rebuild: Math.round(g.fill.rebuildMs) } : null,
    ),
    consumer_concurrency: opts.concurrency ?? null,
    baseline_n: opts.baselineN,
    dash_size_small: small?.size ?? null,
    dash_size_large: large?.size ?? null,
    dash_clients: opts.clients,
    run_id: runId,
  }));
  if (!exact || growth.some((g) => !g.exact)) exitCode = 1;
} catch (error) {
  progress(`failed: ${(error as Error).stack ?? error}`);
  exitCode = 1;
} finally {
  progress("removing the run's databases, topics and processes");
  await resources.release(progress);
}
Deno.exit(exitCode);

/** nproc, memory, PostgreSQL's version and the load average before the run, as one line. */
async function describeMachine(): Promise<{ text: string; postgres: string }> {
  // The maintenance database: DATABASE_URL's own may not exist yet (the run needs only the server).
  const sql = connect(maintenanceUrl(config.databaseUrl), { max: 1 });
  let postgres = "unknown";
  try {
    postgres = String((await sql`show server_version`)[0]?.server_version ?? "unknown");
  } finally {
    await sql.end({ timeout: 5 });
  }
  const memory = Deno.systemMemoryInfo();
  const git = async (...args: string[]) => {
    const out = await new Deno.Command("git", { args, stdout: "piped", stderr: "null" }).output()
      .catch(() => null);
    return out?.success ? new TextDecoder().decode(out.stdout).trim() : "";
  };
  const commit = await git("rev-parse", "--short", "HEAD") || "unknown";
  // Uncommitted changes to what is measured make the figures hard to reproduce: say so.
  const dirty = await git("status", "--porcelain", "--", "lib", "sql", "consumer.ts", "main.ts");
  const text =
    `commit ${commit}${dirty ? " with uncommitted changes in lib/, sql/ or entrypoints" : ""}, ` +
    `${navigator.hardwareConcurrency} cores, ${
      (memory.total / 2 ** 30).toFixed(1)
    } GiB RAM, PostgreSQL ${postgres}, Deno ${Deno.version.deno}, ` +
    `load average at the start ${loadAverage()}`;
  return { text, postgres };
}

/** An object keyed by each growth size as a string ("0", "10000000", ...). */
function bySize<T>(growth: GrowthFigures[], value: (g: GrowthFigures) => T): Record<string, T> {
  return Object.fromEntries(growth.map((g) => [String(g.size), value(g)]));
}

function sec(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function ms(value: number | undefined): number | null {
  return value === undefined || !Number.isFinite(value) ? null : round(value, 2);
}
