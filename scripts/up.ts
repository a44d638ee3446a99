/** `deno task up`: starts what the project needs (Kafka, PostgreSQL) when it does not answer yet. */
import { parseCli } from "../lib/infra/cli.ts";
import { kafkaUp } from "../lib/provision/kafka_broker.ts";
import { postgresUp } from "../lib/provision/postgres_cluster.ts";
import { ProvisionError } from "../lib/infra/process.ts";
import { DatabaseUnavailableError } from "../lib/infra/db.ts";

const USAGE = `Usage: deno task up [--only kafka|postgres]

Starts Apache Kafka (KRaft, single node, jars from Maven Central, data in .local/kafka) when
KAFKA_BROKERS does not answer, and PostgreSQL (a local cluster in .local/postgres) when
DATABASE_URL does not answer; creates the database and applies pending migrations.
Safe to run again: what already runs is left alone.`;

/** Runs provisioning steps with progress on stdout; a provisioning failure prints its sentence and exits 1. */
export async function provisionOrExit(steps: (say: (line: string) => void) => Promise<void>) {
  try {
    await steps((line) => console.log(line));
  } catch (error) {
    const known = error instanceof ProvisionError || error instanceof DatabaseUnavailableError;
    if (!known) throw error;
    console.error(`error: ${error.message}`);
    Deno.exit(1);
  }
}

if (import.meta.main) {
  const { config, values } = parseCli(USAGE, { only: { type: "string" } });
  const only = values.only as string | undefined;
  if (only && only !== "kafka" && only !== "postgres") {
    console.error(`error: --only takes kafka or postgres, got "${only}"`);
    Deno.exit(2);
  }
  await provisionOrExit(async (say) => {
    if (only !== "postgres") await kafkaUp(config.kafkaBrokers, say);
    if (only !== "kafka") await postgresUp(config.databaseUrl, say);
  });
}
