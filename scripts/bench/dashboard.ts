/**
 * (e) Dashboard latency: fill a database through writeBatch, start main.ts, then 50 concurrent
 * fetch loops over the KPI and breakdown fragments and GET /api/summary; and the same load on a
 * naive aggregate query over `sales`.
 */
import { connect, type Sql } from "../../lib/infra/db.ts";
import { validate } from "../../lib/core/decode.ts";
import { generateSales } from "../../lib/produce/generate.ts";
import type { SaleRecord } from "../../lib/core/sale.ts";
import { type SourcedSale, writeBatch } from "../../lib/store/write_batch.ts";
import type { Resources } from "./resources.ts";
import { freePort, percentile } from "./stats.ts";
import { sleep } from "../../lib/core/async.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

/** The requests each client cycles through: KPI and breakdown fragments, and the JSON summary. */
export const DASHBOARD_PATHS = [
  "/fragments/kpis",
  "/fragments/charts",
  "/fragments/tables",
  "/api/summary",
];

/** Latency figures of one load run. */
export interface LoadResult {
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
  /** p50/p99 per path */
  byPath: Record<string, { p50: number; p99: number }>;
  /**
   * Snapshot loads that failed during the run (the dashboard's own counter): the pages answered
   * fast from the last snapshot meanwhile, so their latency alone would hide them.
   */
  failedLoads?: number;
}

/** The dashboard's failed snapshot loads so far, read from its /metrics as Prometheus would. */
async function failedSnapshotLoads(base: string): Promise<number> {
  const response = await fetch(`${base}/metrics`);
  const text = await response.text();
  // Any other answer (a token asked for, say) has no counter in it: 0 would be a wrong figure.
  if (!response.ok) throw new Error(`${base}/metrics answered ${response.status}`);
  return snapshotFailures(text);
}

/** The snapshot loads a dashboard's metrics page counts as failed, whatever the reason. */
export function snapshotFailures(text: string): number {
  let total = 0;
  for (const line of text.split("\n")) {
    const m = /^sales_dashboard_db_query_failures_total\{([^}]*)\} (\S+)$/.exec(line);
    const value = Number(m?.[2]);
    if (m && /query="snapshot"/.test(m[1]!) && Number.isFinite(value)) total += value;
  }
  return total;
}

/** Fills a migrated database with `size` generated sales through writeBatch, `lanes` in parallel. */
export async function fillDatabase(
  url: string,
  size: number,
  options: { seed: number; batch?: number; lanes?: number; progress: (line: string) => void },
): Promise<number> {
  const batch = options.batch ?? 5_000;
  const lanes = options.lanes ?? 3;
  const sql = connect(url, { max: lanes });
  const source = generateSales(size, options.seed);
  const hour = 3_600_000;
  const now = Date.now();
  let taken = 0, written = 0, lastLog = performance.now();
  const started = performance.now();
  // Generation is synchronous: a lane builds its next batch while the others' SQL runs.
  const nextBatch = (offset: number): SourcedSale[] => {
    const sales: SourcedSale[] = [];
    for (let i = 0; i < batch; i++) {
      const next = source.next();
      if (next.done) break;
      const checked = validate(next.value as SaleRecord);
      if (!checked.ok) throw new Error(`generated record rejected: ${checked.message}`);
      sales.push({
        sale: checked.sale,
        offset: String(offset + i),
        soldAt: new Date(now - Math.floor(((taken + i) / size) * hour)),
      });
    }
    taken += sales.length;
    return sales;
  };
  const lane = async (partition: number) => {
    let offset = 0;
    for (;;) {
      const sales = nextBatch(offset);
      if (sales.length === 0) return;
      const input = {
        groupId: "bench-fill",
        topic: "bench-fill",
        partition,
        expectedOffset: offset === 0 ? null : String(offset),
        nextOffset: String(offset + sales.length),
        sales,
        rejected: 0,
      };
      for (let attempt = 1;; attempt++) {
        try {
          await writeBatch(sql, input);
          break;
        } catch (error) {
          // Parallel lanes may deadlock on shared aggregate rows; the batch rolled back, retry it.
          const code = (error as { code?: string }).code;
          if (attempt >= 5 || (code !== "40P01" && code !== "40001")) throw error;
        }
      }
      offset += sales.length;
      written += sales.length;
      if (performance.now() - lastLog > 10_000) {
        options.progress(`dashboard fill: ${written}/${size} sales`);
        lastLog = performance.now();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: lanes }, (_, i) => lane(i)));
    const [{ n }] = await sql`select sales_count::int as n from sales_totals` as unknown as [
      { n: number },
    ];
    if (n !== size) throw new Error(`dashboard fill stored ${n} sales, expected ${size}`);
    return performance.now() - started;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Runs `clients` loops calling `call` for `seconds`; latencies in ms, keyed by the call's label. */
async function load(
  clients: number,
  seconds: number,
  labels: string[],
  call: (label: string) => Promise<boolean>,
): Promise<LoadResult> {
  const samples = new Map<string, number[]>(labels.map((l) => [l, []]));
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let i = c; performance.now() < end; i++) {
      const label = labels[i % labels.length]!;
      const t0 = performance.now();
      const ok = await call(label).catch(() => false);
      const ms = performance.now() - t0;
      if (ok) samples.get(label)!.push(ms);
      else errors++;
    }
  }));
  const all = [...samples.values()].flat();
  return {
    requests: all.length + errors,
    errors,
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    max: all.reduce((a, b) => Math.max(a, b), -Infinity), // no spread: 100k+ samples overflow the stack
    byPath: Object.fromEntries(
      [...samples].map(([l, v]) => [l, { p50: percentile(v, 50), p99: percentile(v, 99) }]),
    ),
  };
}

/**
 * The selections the dashboard is loaded with: all time, the last hour, one state, and both.
 * The fill spreads the sales over the last hour, so "last hour" reads every sale from the hour
 * and minute buckets: the range's worst case.
 */
export const DASHBOARD_VARIANTS = [
  { name: "all", query: "" },
  { name: "1h", query: "range=1h" },
  { name: "state", query: "state=CA" },
  { name: "1h+state", query: "range=1h&state=CA" },
] as const;

/** Starts main.ts on the database, loads it with `clients` concurrent fetch loops per selection. */
export async function loadDashboard(options: {
  resources: Resources;
  url: string;
  brokers: string[];
  topic: string;
  clients: number;
  seconds: number;
}): Promise<Record<string, LoadResult>> {
  const port = freePort();
  const child = options.resources.spawnDeno("dashboard", MAIN, [
    "--host",
    "127.0.0.1",
    "--port",
    String(port),
    "--brokers",
    options.brokers.join(","),
    "--topic",
    options.topic,
    "--database-url",
    options.url,
  ]);
  const base = `http://127.0.0.1:${port}`;
  try {
    const deadline = performance.now() + 60_000;
    for (;;) {
      const ready = await fetch(`${base}/api/summary`).then(async (r) => {
        await r.body?.cancel();
        return r.ok;
      }, () => false);
      if (ready) break;
      const exited = await Promise.race([child.process.status, sleep(200).then(() => null)]);
      if (exited) {
        throw new Error(`main.ts exited with code ${exited.code}:\n${child.stderrTail()}`);
      }
      if (performance.now() > deadline) {
        throw new Error(`main.ts did not answer on ${base} within 60 s:\n${child.stderrTail()}`);
      }
    }
    const results: Record<string, LoadResult> = {};
    for (const variant of DASHBOARD_VARIANTS) {
      const get = async (path: string) => {
        const sep = path.includes("?") ? "&" : "?";
        const response = await fetch(`${base}${path}${variant.query ? sep + variant.query : ""}`);
        await response.arrayBuffer();
        return response.ok;
      };
      // The first snapshot of a selection: every path answers before the clock starts (a large
      // range takes a while to read once; later reads are served while the next one loads).
      const ready = performance.now() + 120_000;
      while (!(await Promise.all(DASHBOARD_PATHS.map(get))).every(Boolean)) {
        if (performance.now() > ready) throw new Error(`?${variant.query} did not answer in 120 s`);
        await sleep(200);
      }
      await load(options.clients, 1, DASHBOARD_PATHS, get); // warm-up: JIT, pools
      const failedBefore = await failedSnapshotLoads(base);
      const result = await load(options.clients, options.seconds, DASHBOARD_PATHS, get);
      // A load still in flight at the end counts in the next selection's run, or not at all.
      result.failedLoads = await failedSnapshotLoads(base) - failedBefore;
      results[variant.name] = result;
    }
    return results;
  } finally {
    await options.resources.stop(child, 10_000);
  }
}

/** The KPI numbers computed the naive way: aggregates over `sales` and counts of the other tables. */
function naiveKpis(sql: Sql) {
  return sql`
    select count(*) as sales_count, coalesce(sum(sale_price), 0) as revenue,
      coalesce(sum(cost_price), 0) as cost, max(sold_at) as last_sale_at,
      (select count(*) from customers) as customers, (select count(*) from products) as products,
      (select count(*) from categories) as categories
    from sales`;
}

/** The naive query alone: the median of `times` sequential calls on one connection, in ms. */
export async function naiveAlone(url: string, times = 3): Promise<number> {
  const sql = connect(url, { max: 1 });
  try {
    const samples: number[] = [];
    for (let i = 0; i < times; i++) {
      const t0 = performance.now();
      await naiveKpis(sql);
      samples.push(performance.now() - t0);
    }
    return percentile(samples, 50);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The naive query under the same load: `clients` concurrent callers on a pool of `pool`. */
export async function loadNaive(options: {
  url: string;
  clients: number;
  pool: number;
  seconds: number;
}): Promise<LoadResult> {
  const sql = connect(options.url, { max: options.pool });
  try {
    const call = async () => (await naiveKpis(sql)).length === 1;
    await load(options.clients, 1, ["naive"], call);
    return await load(options.clients, options.seconds, ["naive"], call);
  } finally {
    await sql.end({ timeout: 5 });
  }
}
