/** The current value of every report topic, for pages and tests. */
import type { Kafka } from "kafkajs";
import { TopicMirror } from "./mirror.ts";
import { REPORT_READER_GROUPS, type ReportName, REPORTS, reportTopic } from "./topics.ts";

/** Every report: its rows (the latest value of each key), by report name. */
export type Reports = Record<ReportName, Record<string, unknown>[]>;

/** The report topics under `prefix` that do not exist on the cluster yet. */
export async function missingReportTopics(kafka: Kafka, prefix = ""): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    return REPORTS.map((r) => reportTopic(r, prefix)).filter((t) => !existing.has(t));
  } finally {
    await admin.disconnect();
  }
}

/** Reads every report topic to its end once and returns the latest value of each key. */
export async function readReports(kafka: Kafka, prefix = ""): Promise<Reports> {
  const mirror = await TopicMirror.start(
    kafka,
    REPORTS.map((r) => reportTopic(r, prefix)),
    REPORT_READER_GROUPS.reader,
  );
  try {
    await mirror.caughtUp();
  } finally {
    await mirror.stop();
  }
  return toReports(mirror, prefix);
}

/** A long-lived reader of the report topics (for the /kafka page): `current()` is always up to date. */
export async function watchReports(kafka: Kafka, prefix = "") {
  const mirror = await TopicMirror.start(
    kafka,
    REPORTS.map((r) => reportTopic(r, prefix)),
    REPORT_READER_GROUPS.page,
  );
  return {
    /** The latest rows of every report read so far. */
    current: (): Reports => toReports(mirror, prefix),
    /** Waits until everything committed so far has been read. */
    caughtUp: () => mirror.caughtUp(),
    /** Messages of the topics not read yet, as the last fetches told. */
    lag: () => mirror.lag(),
    stop: () => mirror.stop(),
  };
}

function toReports(mirror: TopicMirror, prefix: string): Reports {
  return Object.fromEntries(
    REPORTS.map((r) => [r, [...mirror.values.get(reportTopic(r, prefix))!.values()]]),
  ) as Reports;
}
