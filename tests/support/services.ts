/** Test fixtures: a fresh database and topic per test, and sales loaded through the real pipeline. */
import assert from "node:assert/strict";
import { loadConfig } from "../../lib/infra/config.ts";
import { startConsumer } from "../../lib/consume/runner.ts";
import { produceRecords } from "../../lib/produce/produce_records.ts";
import {
  ensureReportsBuilt,
  type ReportsProcess,
  startReportsProcess,
} from "../../lib/reports/launch.ts";
import { type Reports, watchReports } from "../../lib/reports/read.ts";
import { REPORTS } from "../../lib/reports/topics.ts";
import { connect, maintenanceUrl, type Sql } from "../../lib/infra/db.ts";
import { createKafka, ensureTopic, quietKafkaTimerWarnings } from "../../lib/infra/kafka.ts";
import type { Kafka } from "kafkajs";
import { migrate } from "../../lib/infra/migrate.ts";
import { LOCAL_DIR } from "../../lib/infra/process.ts";
import { generateSales } from "../../lib/produce/generate.ts";
import type { SaleRecord } from "../../lib/core/sale.ts";

/** Settings of the services under test (the same environment variables as the tasks). */
export const config = loadConfig();

// The tests use kafkajs in-process, as the entrypoints do.
quietKafkaTimerWarnings();

/** A short random suffix for per-test names. */
export function uniqueSuffix(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 10);
}

/** A migrated database of its own; `close()` disconnects and drops it. */
export interface TestDatabase {
  url: string;
  sql: Sql;
  close(): Promise<void>;
}

/** Creates and migrates a fresh database named sales_test_<random>. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `sales_test_${uniqueSuffix()}`;
  const admin = connect(maintenanceUrl(config.databaseUrl), { max: 1 });
  await admin`create database ${admin(name)}`;
  const u = new URL(config.databaseUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const sql = connect(url, { max: 4 });
  await migrate(sql);
  return {
    url,
    sql,
    async close() {
      await sql.end({ timeout: 5 });
      await admin`drop database if exists ${admin(name)} with (force)`;
      await admin.end({ timeout: 5 });
    },
  };
}

/** A kafkajs client for tests. */
export function testKafka(clientId = "sales-tests") {
  return createKafka(config.kafkaBrokers, clientId);
}

/** Creates a topic of its own with the given partitions; returns its name. */
export async function createTestTopic(partitions = 3): Promise<string> {
  const topic = `sales_test_${uniqueSuffix()}`;
  await ensureTopic(testKafka(), topic, partitions);
  return topic;
}

/** N generated sales records (deterministic for a seed). */
export function sampleRecords(n: number, seed = 7): SaleRecord[] {
  return [...generateSales(n, seed)];
}

/** Card companies of `largeSales()`, the first with the longest name a legend has to show. */
export const LONG_CARD_NAMES = [
  "Diners Club / Carte Blanche",
  "Visa",
  "Mastercard",
  "American Express",
  "Discover",
  "JCB",
];

/**
 * Six sales whose totals reach the largest KPI values the tiles are made for: one at
 * $999,999,999.99 (cost $0.01), five at $0.00, one per card company of LONG_CARD_NAMES, in a
 * category with a long name.
 */
export function largeSales(prefix: string): SaleRecord[] {
  return sampleRecords(LONG_CARD_NAMES.length, 5).map((r, i) => ({
    ...r,
    sale_id: `${prefix}-${i}`,
    credit_card_company: LONG_CARD_NAMES[i]!,
    category: i % 2 ? "Home & Kitchen Appliances" : "Electronics",
    sale_price: i === 0 ? "999999999.99" : "0.00",
    cost_price: i === 0 ? "0.01" : "0.00",
  }));
}

/** Polls `check` until it returns true or the timeout passes; fails with `what` on timeout. */
export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Exact cents of a records list: count, revenue and cost over distinct sale ids. */
export function expectedTotals(records: SaleRecord[]) {
  const seen = new Map<string, SaleRecord>();
  for (const r of records) if (!seen.has(String(r.sale_id))) seen.set(String(r.sale_id), r);
  let revenue = 0n, cost = 0n;
  for (const r of seen.values()) {
    revenue += BigInt(Math.round(Number(r.sale_price) * 100));
    cost += BigInt(Math.round(Number(r.cost_price) * 100));
  }
  return { count: seen.size, revenue, cost };
}

/** A message read back from a topic, with the dead-letter headers as text. */
export interface ReadMessage {
  key: string;
  value: string;
  error: string;
  offset: string;
}

/**
 * Reads every message of a topic, up to its end offsets at the time of the call, through `kafka`
 * (default: the tests' plaintext client).
 */
export async function readAllMessages(
  topic: string,
  kafka: Kafka = testKafka("sales-tests-reader"),
): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const end = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `read-${uniqueSuffix()}` });
  const seen: ReadMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      seen.push({
        key: message.key?.toString() ?? "",
        value: message.value?.toString() ?? "",
        error: message.headers?.error?.toString() ?? "",
        offset: message.headers?.["source-offset"]?.toString() ?? "",
      });
      return Promise.resolve();
    },
  });
  try {
    await waitFor(() => Promise.resolve(seen.length >= end), `${end} messages on ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** Sends the records through the real producer in bulk; fails unless every one was sent. */
export async function produceAll(topic: string, records: SaleRecord[], partitions = 3) {
  const summary = await produceRecords(
    records.map((record, i) => ({ line: i + 1, record })),
    { kafka: testKafka("sales-tests-producer"), topic, partitions, delayMs: [0, 0] },
  );
  assert.equal(summary.sent, records.length);
  return summary;
}

/** Sum of a group's committed offsets on a topic (an unset offset counts as 0). */
export async function committedOffsets(group: string, topic: string): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return t!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Sum of the next offsets the PostgreSQL consumer of `group` has stored (0 when none). */
export async function storedOffsetSum(sql: Sql, group: string): Promise<number> {
  const [r] = await sql`
    select coalesce(sum(next_offset), 0)::int as n from consumer_offsets where group_id = ${group}`;
  return r!.n as number;
}

/** A test's reports process (a JVM, started as `deno task reports` starts one) and its settings. */
export interface TestReports extends ReportsProcess {
  group: string;
  instanceId: string;
  stateDir: string;
}

/** What a test's reports process works on; the rest are the process' defaults or `env`. */
export interface TestReportsOptions {
  topic: string;
  prefix: string;
  /** REPORTS_GROUP (default: a fresh one) */
  group?: string;
  /** REPORTS_INSTANCE_ID (default `<group>-a`) */
  instanceId?: string;
  /** REPORTS_STATE_DIR (default: a fresh folder under .local/test-reports/) */
  stateDir?: string;
  /** more settings (REPORTS_INSTANCES, REPORTS_SESSION_TIMEOUT_S, ...) */
  env?: Record<string, string>;
}

/**
 * Starts the reports process (streams/, built first when needed) with its output kept in `lines`,
 * a small heap and RocksDB cap, and a progress line every second. Does not wait for it to run.
 */
export async function spawnTestReports(options: TestReportsOptions): Promise<TestReports> {
  await ensureReportsBuilt();
  const group = options.group ?? `reports-${uniqueSuffix()}`;
  const instanceId = options.instanceId ?? `${group}-a`;
  const stateDir = options.stateDir ?? `${LOCAL_DIR}test-reports/${group}-${instanceId}`;
  const child = startReportsProcess({
    output: "piped",
    env: {
      KAFKA_BROKERS: config.kafkaBrokers.join(","),
      SALES_TOPIC: options.topic,
      SALES_PARTITIONS: "3",
      REPORT_TOPIC_PREFIX: options.prefix,
      REPORTS_GROUP: group,
      REPORTS_INSTANCE_ID: instanceId,
      REPORTS_STATE_DIR: stateDir,
      REPORTS_HEAP_MB: "128",
      REPORTS_MEMORY_MB: "32",
      REPORTS_PROGRESS_S: "1",
      ...options.env,
    },
  });
  return Object.assign(child, { group, instanceId, stateDir });
}

/** The active tasks of the process' last "tasks:" line (-1 before it has one). */
export function activeTasks(reports: ReportsProcess): number {
  const last = reports.lines.findLast((l) => / tasks: \d+ active/.test(l));
  return last ? Number(/ tasks: (\d+) active/.exec(last)![1]) : -1;
}

/**
 * Waits until the process runs, with active tasks of its own unless `withTasks` is false (an
 * instance joining a running group may first only warm up copies); fails with its output if it
 * stops first.
 */
export async function waitUntilRunning(
  reports: ReportsProcess,
  withTasks = true,
  timeoutMs = 90_000,
) {
  let exited: number | undefined;
  reports.status.then((s) => exited = s.code);
  await waitFor(
    () => {
      if (exited !== undefined) {
        throw new Error(`the reports process exited ${exited}`);
      }
      return Promise.resolve(activeTasks(reports) >= (withTasks ? 1 : 0));
    },
    "the reports process to run",
    timeoutMs,
  ).catch((error) => {
    throw new Error(`${(error as Error).message}\n${reports.lines.slice(-30).join("\n")}`);
  });
}

/** Starts a test's reports process and waits until it runs (its report topics exist then). */
export async function startTestReports(options: TestReportsOptions): Promise<TestReports> {
  const reports = await spawnTestReports(options);
  await waitUntilRunning(reports);
  return reports;
}

/** What the reports should count: sales, and the rejected and duplicate messages of the total. */
export interface ReportCounts {
  sales: number;
  rejected?: number;
  duplicates?: number;
}

/** Sales counted over the rows of each report (every sale adds one to one row of each). */
function countsPerReport(reports: Reports): number[] {
  return REPORTS.map((r) =>
    reports[r].reduce((n, row) => n + Number(row.sales_count ?? row.purchases ?? 0), 0)
  );
}

/**
 * Reads the report topics until every report counts `want.sales` over its rows (and the total its
 * rejected and duplicate messages): a row reaches its topic at the commit after its last sale, so
 * only then is every row final. Returns what was read.
 */
export async function waitForReports(
  prefix: string,
  want: ReportCounts,
  timeoutMs = 90_000,
): Promise<Reports> {
  const reader = await watchReports(testKafka("reports-wait"), prefix);
  let last: Reports | undefined;
  const expected = () => {
    const total = last?.total_sales_summary[0];
    return countsPerReport(last!).every((n) => n === want.sales) &&
      (want.rejected === undefined || total?.rejected === want.rejected) &&
      (want.duplicates === undefined || total?.duplicates === want.duplicates);
  };
  try {
    await waitFor(
      async () => {
        await reader.caughtUp();
        last = reader.current();
        return expected();
      },
      `reports counting ${JSON.stringify(want)}`,
      timeoutMs,
    );
  } catch (error) {
    const seen = last
      ? `${countsPerReport(last).join(", ")}; total ${JSON.stringify(last.total_sales_summary[0])}`
      : "nothing";
    throw new Error(`${(error as Error).message}; last read: ${seen}`);
  } finally {
    await reader.stop();
  }
  return last!;
}

/**
 * The PostgreSQL consumer (in-process) and the reports process (a JVM, running) over one topic,
 * each with a fresh group; `reports.stop()` also removes the reports' state folder.
 */
export async function startConsumerAndReports(sql: Sql, topic: string, prefix: string) {
  const kafka = testKafka();
  const pgGroup = `g-${uniqueSuffix()}`;
  const consumer = await startConsumer({
    kafka,
    sql,
    topic,
    groupId: pgGroup,
    partitions: 3,
    log: () => {},
  });
  const child = await startTestReports({ topic, prefix });
  const reports = {
    ...child,
    stop: async () => {
      const status = await child.stop();
      await Deno.remove(child.stateDir, { recursive: true }).catch(() => {});
      return status;
    },
  };
  return { kafka, pgGroup, reportsGroup: child.group, consumer, reports };
}
