/** `deno task up`: starts what the project needs (Kafka, PostgreSQL) when it does not answer yet. */
import { oneOf, parseCli } from "../lib/infra/cli.ts";
import { kafkaUp } from "../lib/provision/kafka_broker.ts";
import { postgresUp } from "../lib/provision/postgres_cluster.ts";
import { provisionOrExit } from "../lib/provision/run.ts";

const USAGE = `Usage: deno task up [--only kafka|postgres]

Starts Apache Kafka (KRaft, single node, jars from Maven Central, data in .local/kafka) when
KAFKA_BROKERS does not answer, and PostgreSQL (a local cluster in .local/postgres) when
DATABASE_URL does not answer; creates the database and applies pending migrations.
Safe to run again: what already runs is left alone.`;

if (import.meta.main) {
  const { config, options: only } = parseCli(
    USAGE,
    { only: { type: "string" } },
    (v) => oneOf("--only", v.only, ["kafka", "postgres"] as const),
  );
  await provisionOrExit(async (say) => {
    if (only !== "postgres") await kafkaUp(config.kafkaBrokers, say);
    if (only !== "kafka") await postgresUp(config.database.owner, say);
  });
}
