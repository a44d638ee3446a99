/** `deno task reports`: the original's six stream reports, kept on compacted Kafka topics, exactly once. */
import { failureReason, parseCli } from "./lib/infra/cli.ts";
import { createKafka, quietKafkaTimerWarnings } from "./lib/infra/kafka.ts";
import { verifyKafkaTls } from "./lib/infra/kafka_security.ts";
import { cardHashSecret } from "./lib/infra/secret.ts";
import { type RunningReports, startReports } from "./lib/reports/runner.ts";
import {
  reportPrefixSetting,
  REPORTS,
  reportsGroupSetting,
  reportTopic,
} from "./lib/reports/topics.ts";

const USAGE = `Usage: deno task reports [--prefix P] [--reports-group G] [--quiet]

Consumes SALES_TOPIC with its own consumer group and keeps six reports on compacted topics, one
keyed message per dimension value (any reader gets the full current state):
  ${REPORTS.join(", ")}
Each batch is one Kafka transaction (report updates + consumer offsets), so a crash neither loses
nor double counts; on start the state is restored from the report topics. customer_insights is
keyed by a keyed hash of the email, never the email. Run one instance per group.
  --prefix P          prefix of the report topics (REPORT_TOPIC_PREFIX; default none)
  --reports-group G   consumer group and transactional id (REPORTS_GROUP; default sales-reports)
  --quiet             no line per batch`;

if (import.meta.main) {
  const { config, values } = parseCli(USAGE, {
    prefix: { type: "string" },
    "reports-group": { type: "string" },
    quiet: { type: "boolean" },
  }, () => cardHashSecret()); // a bad CARD_HASH_SECRET(_FILE) is refused before starting
  const prefix = reportPrefixSetting(values.prefix as string | undefined);
  const groupId = reportsGroupSetting(values["reports-group"] as string | undefined);
  quietKafkaTimerWarnings();
  let reports: RunningReports;
  try {
    await verifyKafkaTls(config.kafkaBrokers, config.kafkaSecurity);
    reports = await startReports({
      kafka: createKafka(config.kafkaBrokers, "sales-reports", { security: config.kafkaSecurity }),
      topic: config.salesTopic,
      partitions: config.partitions,
      groupId,
      prefix,
      log: values.quiet ? () => {} : (line) => console.log(line),
    });
  } catch (error) {
    const what = `report ${config.salesTopic} as group ${groupId}`;
    console.error(`Cannot start reports: ${failureReason(error, config, what)}`);
    Deno.exit(1);
  }
  console.log(
    `reporting ${config.salesTopic} to ${
      REPORTS.map((r) => reportTopic(r, prefix)).join(", ")
    }; Ctrl-C to stop`,
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing the current transaction, then stopping`);
    await reports.stop();
    console.log(`stopped: ${reports.stats.sales} sales reported, ${reports.stats.skipped} skipped`);
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
}
