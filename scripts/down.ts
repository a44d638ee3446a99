/** `deno task down`: stops the local services this project started (never a server it did not start). */
import { oneOf, parseCli } from "../lib/infra/cli.ts";
import { kafkaDown } from "../lib/provision/kafka_broker.ts";
import { postgresDown } from "../lib/provision/postgres_cluster.ts";

const USAGE = `Usage: deno task down [--only kafka|postgres]

Stops the Kafka broker and the PostgreSQL cluster that \`deno task up\` started in .local/.
Data stays in .local/ (delete the folder to start afresh).`;

if (import.meta.main) {
  const { config, options: only } = parseCli(
    USAGE,
    { only: { type: "string" } },
    (v) => oneOf("--only", v.only, ["kafka", "postgres"] as const),
  );
  const say = (line: string) => console.log(line);
  if (only !== "postgres") await kafkaDown(config.kafkaBrokers, say);
  if (only !== "kafka") await postgresDown(config.databaseUrl, say);
}
