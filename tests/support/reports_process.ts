/**
 * The reports process (streams/, a JVM started as `deno task reports` starts one) in tests: starting
 * it beside the PostgreSQL consumer, and reading its report topics until they count what was sent.
 */
import type { Sql } from "../../lib/infra/db.ts";
import { LOCAL_DIR } from "../../lib/infra/process.ts";
import {
  ensureReportsBuilt,
  type ReportsProcess,
  startReportsProcess,
} from "../../lib/reports/launch.ts";
import { type Reports, watchReports } from "../../lib/reports/read.ts";
import { REPORTS } from "../../lib/reports/topics.ts";
import { uniqueSuffix, waitFor } from "./fixtures.ts";
import { config, startTestConsumer, testKafka } from "./services.ts";

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
 * a small heap and RocksDB cap, a progress line every second and no /metrics (unless `env` gives
 * REPORTS_METRICS_PORT). Does not wait for it to run.
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
      REPORTS_METRICS_PORT: "0", // no /metrics unless a test gives it a free port
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
  const consumer = await startTestConsumer({ kafka, sql, topic, partitions: 3 });
  const pgGroup = consumer.groupId;
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
