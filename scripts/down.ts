/** `deno task down`: stops the local services this project started (never a server it did not start). */
import { oneOf, parseCli } from "../lib/infra/cli.ts";
import { kafkaDown } from "../lib/provision/kafka_broker.ts";
import { clusterNodes, kafkaClusterDown } from "../lib/provision/kafka_cluster.ts";
import { postgresDown } from "../lib/provision/postgres_cluster.ts";
import { replicasDown } from "../lib/provision/postgres_replica.ts";

const USAGE = `Usage: deno task down [--only kafka|postgres] [--cluster-size N]

Stops the Kafka broker and the PostgreSQL cluster that \`deno task up\` started in .local/, and
the cluster's read replicas (\`deno task up --replica\`).
Data stays in .local/ (delete the folder to start afresh). With a cluster size above 1 it stops
the brokers of the cluster that \`deno task up\` started with the same size and KAFKA_BROKERS.
  --only kafka|postgres  stop only one of them`;

if (import.meta.main) {
  const { config, options: { only, nodes } } = parseCli(
    "down",
    USAGE,
    { only: { type: "string" } },
    (v, config) => {
      const size = config.clusterSize;
      return {
        only: oneOf("--only", v.only, ["kafka", "postgres"] as const),
        nodes: size > 1 ? clusterNodes(config.kafkaBrokers, size) : undefined,
      };
    },
  );
  const say = (line: string) => console.log(line);
  if (only !== "postgres") {
    if (nodes) await kafkaClusterDown(nodes, say);
    else await kafkaDown(config.kafkaBrokers, say);
  }
  if (only !== "kafka") {
    await replicasDown(config.databaseUrl, say);
    await postgresDown(config.databaseUrl, say);
  }
}
