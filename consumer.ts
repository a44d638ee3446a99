/** `deno task consume`: reads sales from Kafka into PostgreSQL until SIGINT/SIGTERM. */
import { failureReason, parseCli } from "./lib/infra/cli.ts";
import { exitOnClosedSessionWrite, type Sql } from "./lib/infra/db.ts";
import { createKafka, quietKafkaTimerWarnings } from "./lib/infra/kafka.ts";
import { verifyKafkaTls } from "./lib/infra/kafka_security.ts";
import { connectService } from "./lib/infra/migrate.ts";
import { cardHashSecret, cardHashSecretSource } from "./lib/infra/secret.ts";
import { ConfigError, positiveInt } from "./lib/infra/settings.ts";
import { claimCardHashKey } from "./lib/store/card_hash_key.ts";
import { type RunningConsumer, startConsumer } from "./lib/consume/runner.ts";
import { postgresTimeouts } from "./lib/consume/session.ts";

const USAGE = `Usage: deno task consume [--concurrency N] [--session-timeout S] [--quiet]

Consumes SALES_TOPIC as group CONSUMER_GROUP. For each batch and partition, one PostgreSQL
transaction upserts categories, products and customers, inserts new sales (a re-delivered
sale_id counts once), updates every aggregate and stores the partition's next offset.
Bad messages go to <topic>.dlq with the reason. Batches may be gzip, snappy, lz4 or zstd; one it
cannot decode pauses its partition alone (logged once, shown on the dashboard) until
\`deno task unstick\` skips it. SIGINT/SIGTERM finish the batch, then exit 0.
  --concurrency N   partitions processed at the same time (default 2)
  --quiet           no line per batch`;

if (import.meta.main) {
  const { config, values, options } = parseCli("consume", USAGE, {
    concurrency: { type: "string" },
    quiet: { type: "boolean" },
  }, (v) => ({
    concurrency: positiveInt("--concurrency", (v.concurrency as string | undefined) ?? "2"),
  }));
  const { concurrency } = options;
  const sessionTimeout = config.sessionTimeoutMs;
  quietKafkaTimerWarnings();
  const what = `consume ${config.salesTopic} as group ${config.groupId}`;
  exitOnClosedSessionWrite(what);
  let sql: Sql | undefined;
  let consumer: RunningConsumer;
  try {
    // Writes go through sales_writer, which may insert and update only the consumer's tables.
    await verifyKafkaTls(config.kafkaBrokers, config.kafkaSecurity);
    // A frozen consumer's transaction is rolled back within its session timeout (session.ts).
    sql = await connectService(config.database, "consumer", {
      max: concurrency + 1,
      connection: postgresTimeouts(sessionTimeout),
    });
    // One key per deployment: another key's hashes would turn re-deliveries into conflicts.
    await claimCardHashKey(sql, cardHashSecret(), cardHashSecretSource());
    consumer = await startConsumer({
      kafka: createKafka(config.kafkaBrokers, "sales-consumer", {
        security: config.kafkaSecurity,
      }),
      sql,
      topic: config.salesTopic,
      groupId: config.groupId,
      partitions: config.partitions,
      concurrency,
      sessionTimeoutMs: sessionTimeout,
      log: values.quiet ? () => {} : (line) => console.log(line),
      notice: (line) => console.error(line),
      onFatal: (error) => {
        console.error(
          `consumer failed: ${
            failureReason(error, config, what)
          }; exiting so a supervisor can restart it`,
        );
        Deno.exit(1);
      },
    });
  } catch (error) {
    console.error(`Cannot start consumer: ${failureReason(error, config, what)}`);
    await sql?.end({ timeout: 1 }).catch(() => {});
    Deno.exit(error instanceof ConfigError ? 2 : 1); // a wrong card-hash key is a bad setting
  }
  console.log(`consuming ${config.salesTopic} as group ${config.groupId}; Ctrl-C to stop`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing the current batch, then stopping`);
    await consumer.stop();
    await sql!.end({ timeout: 5 });
    const s = consumer.stats;
    console.log(
      `stopped: ${s.inserted} sales stored, ${s.duplicates} duplicates, ${s.rejected} rejected`,
    );
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => shutdown("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => shutdown("SIGTERM"));
}
