/** Names of the report topics (the original's six), with the optional REPORT_TOPIC_PREFIX. */
import type { Kafka } from "kafkajs";
import { ensureTopic } from "../infra/kafka.ts";

/** The six reports, as the original named their topics. */
export const REPORTS = [
  "total_sales_summary",
  "sales_by_category",
  "sales_by_state",
  "sales_by_city",
  "customer_insights",
  "credit_card_usage",
] as const;

/** One of the six reports. */
export type ReportName = (typeof REPORTS)[number];

/** The topic of a report under a prefix. */
export function reportTopic(name: ReportName, prefix = ""): string {
  return `${prefix}${name}`;
}

/**
 * Creates the six report topics (compacted, one partition) when missing. The reports process
 * creates them itself when its Kafka user may; on a secured cluster the administrator does
 * (`deno task up --secure`).
 */
export async function ensureReportTopics(kafka: Kafka, prefix: string): Promise<void> {
  for (const report of REPORTS) {
    await ensureTopic(kafka, reportTopic(report, prefix), 1, { "cleanup.policy": "compact" });
  }
}

/** Starts of the throw-away consumer groups that read the report topics (the dashboard's). */
export const REPORT_READER_GROUPS = { page: "reports-page", reader: "reports-reader" } as const;
