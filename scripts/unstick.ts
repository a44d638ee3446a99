/** `deno task unstick`: moves a consumer group past a batch it cannot decode, after a confirmation. */
import { failureReason, parseCli } from "../lib/infra/cli.ts";
import { ConfigError } from "../lib/infra/settings.ts";
import { createKafka, quietKafkaTimerWarnings } from "../lib/infra/kafka.ts";
import { verifyKafkaTls } from "../lib/infra/kafka_security.ts";
import { connectMigrated } from "../lib/infra/migrate.ts";
import { stuckPartitions, UnstickError } from "../lib/store/stuck_partitions.ts";
import { unstick } from "../lib/consume/unstick.ts";
import { printable } from "../lib/core/redact.ts";

const USAGE = `Usage: deno task unstick --partition P [--topic T] [--group G] [--yes]

The consumer stops a partition at a batch its client cannot decode (a codec it lacks, a corrupt
payload), logs it once and shows it on the dashboard's lag panel; the other partitions go on. This
skips that batch: it sends <topic>.dlq the batch's bytes as the consumer fetched them, then a
record describing the skipped offsets, both with the reason in their "error" header, moves the
group's offset stored in PostgreSQL past the range and clears the mark, in one transaction. A
running consumer resumes the partition within seconds. Without --yes it shows the range and asks
first.
  --partition P   the stuck partition (see the dashboard or the consumer's log)
  --yes           do not ask
Exit status: 0 skipped; 1 nothing changed (not stuck, declined, or refused); 2 bad usage.
Without --partition it lists the stuck partitions of the group and topic.`;

if (import.meta.main) {
  const { config, values, options } = parseCli("unstick", USAGE, {
    partition: { type: "string" },
    yes: { type: "boolean" },
  }, (v) => {
    const text = v.partition as string | undefined;
    if (text === undefined) return { partition: undefined };
    const partition = /^\d+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(partition)) {
      throw new ConfigError(`--partition must be a partition number (0 or more), got "${text}"`);
    }
    return { partition };
  });
  quietKafkaTimerWarnings();
  const { salesTopic: topic, groupId } = config;
  let sql;
  try {
    sql = await connectMigrated(config.database.owner);
    const marks = await stuckPartitions(sql, groupId, topic);
    if (options.partition === undefined) {
      if (marks.length === 0) console.log(`no stuck partition of ${topic} for group ${groupId}`);
      for (const m of marks) {
        console.log(
          `${topic}[${m.partition}] offsets ${m.fromOffset}..${m.toOffset}: ${printable(m.reason)}`,
        );
      }
      Deno.exit(0);
    }
    const partition = options.partition;
    const mark = marks.find((m) => m.partition === partition);
    if (!mark) {
      console.error(
        `error: ${topic}[${partition}] is not stuck for group ${groupId}; nothing changed`,
      );
      Deno.exit(1);
    }
    console.log(
      `${topic}[${partition}] is stuck at offsets ${mark.fromOffset}..${mark.toOffset} ` +
        `for group ${groupId}: ${printable(mark.reason)}`,
    );
    if (!values.yes) {
      const answer = prompt(
        `Skip these ${
          BigInt(mark.toOffset) - BigInt(mark.fromOffset) + 1n
        } offsets and dead-letter them to ${topic}.dlq? [y/N]`,
      );
      if (!/^y(es)?$/i.test(answer?.trim() ?? "")) {
        console.error("not confirmed; nothing changed");
        Deno.exit(1);
      }
    }
    await verifyKafkaTls(config.kafkaBrokers, config.kafkaSecurity);
    const kafka = createKafka(config.kafkaBrokers, "sales-unstick", {
      security: config.kafkaSecurity,
    });
    const done = await unstick(kafka, sql, { groupId, topic, partition });
    console.log(
      `skipped ${topic}[${partition}] offsets ${done.fromOffset}..${done.toOffset}: ` +
        `dead-lettered to ${topic}.dlq; the stored offset is now ${BigInt(done.toOffset) + 1n}`,
    );
  } catch (error) {
    const reason = error instanceof UnstickError
      ? error.message
      : failureReason(error, config, `dead-letter to ${topic}.dlq`);
    console.error(`error: ${reason}; nothing changed`);
    Deno.exit(1);
  } finally {
    await sql?.end({ timeout: 5 });
  }
}
