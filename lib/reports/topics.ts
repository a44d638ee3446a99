/** Names of the report topics (the original's six), with the optional REPORT_TOPIC_PREFIX. */

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

/** The compacted topic of sale ids already counted, so a re-delivered sale counts once. */
export function seenSalesTopic(prefix = ""): string {
  return `${prefix}reports_seen_sales`;
}
