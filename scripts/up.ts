/** `deno task up`: starts what the project needs (Kafka, PostgreSQL) when it does not answer yet. */
import { oneOf, parseCli } from "../lib/infra/cli.ts";
import type { DatabaseLogin, DatabaseLogins, TaskConfig } from "../lib/infra/config.ts";
import { ConfigError } from "../lib/infra/settings.ts";
import {
  brokerAnswers,
  createKafka,
  dlqTopic,
  ensureTopic,
  quietKafkaTimerWarnings,
} from "../lib/infra/kafka.ts";
import { explainKafkaError, verifyKafkaTls } from "../lib/infra/kafka_security.ts";
import { ProvisionError } from "../lib/infra/process.ts";
import { kafkaUp } from "../lib/provision/kafka_broker.ts";
import { clusterNodes, kafkaClusterUp } from "../lib/provision/kafka_cluster.ts";
import {
  grantAccess,
  KAFKA_USERS,
  type KafkaUser,
  localKafkaSettings,
  projectAcls,
  secureKafkaUp,
} from "../lib/provision/kafka_security.ts";
import { postgresUp } from "../lib/provision/postgres_cluster.ts";
import { postgresReplicaUp, refuseForeignPrimary } from "../lib/provision/postgres_replica.ts";
import { securePostgresUp } from "../lib/provision/postgres_security.ts";
import { provisionOrExit } from "../lib/provision/run.ts";
import {
  ensureReportTopics,
  REPORT_READER_GROUPS,
  REPORTS,
  reportTopic,
} from "../lib/reports/topics.ts";

const USAGE =
  `Usage: deno task up [--only kafka|postgres] [--cluster-size N] [--kafka-version V] [--secure [--prefix P] [--reports-group G]] [--replica [--replica-port N]]

Starts Apache Kafka (KRaft, jars from Maven Central, data in .local/kafka-<port>) when
KAFKA_BROKERS does not answer, and PostgreSQL (a local cluster in .local/postgres) when
DATABASE_URL does not answer; creates the database and applies pending migrations.
Safe to run again: what already runs is left alone.
  --only kafka|postgres  start or check only one of them
A cluster of N brokers (KAFKA_CLUSTER_SIZE above 1) is one KRaft cluster, each broker also a
controller, heap 384 MB each: on the KAFKA_BROKERS addresses when it lists N, else its one
address and the next even ports (localhost:9092 → 9092, 9094, 9096; each controller on its
port + 1). The project's topics get min(3, N) replicas, and min.insync.replicas 2 with 3.
With Kafka security settings (KAFKA_SECURITY_PROTOCOL SSL or SASL_SSL) no broker is started: it
checks that the brokers answer and accept the login.
  --secure  the secured services, on ports of their own: Kafka with a SASL_SSL listener (TLS,
            SCRAM users admin, producer, consumer, reports and dashboard) and ACLs that give each
            user only its rights, its topics created as admin; PostgreSQL where every role needs
            its password (SCRAM-SHA-256) over TLS, and sales_writer and sales_reader get passwords
            (CONSUMER_/DASHBOARD_DATABASE_PASSWORD_FILE, else generated). Certificates and
            passwords are generated into .local/ (mode 0600); prints each process' settings. The
            ACLs are for the report topics' prefix and the reports' group below
            (REPORT_TOPIC_PREFIX, REPORTS_GROUP).
  --replica  also a streaming read replica of the PostgreSQL cluster \`deno task up\` runs
            (pg_basebackup, data in .local/postgres-<port>, port REPLICA_PORT, default
            DATABASE_URL's port + 1), with the primary's passwords and TLS; prints its URL on a
            line of its own for DASHBOARD_DATABASE_URL. A server \`up\` did not start (such as
            a shared one) is refused (exit 1): it is not reconfigured.`;

/**
 * With security settings (KAFKA_SECURITY_PROTOCOL is not PLAINTEXT), `up` starts no broker: it
 * checks that the brokers answer and accept this login, and says so.
 */
async function checkKafkaLogin(config: TaskConfig<"up">, say: (line: string) => void) {
  const { kafkaBrokers: brokers, kafkaSecurity: security } = config;
  if (!await brokerAnswers(brokers)) {
    throw new ProvisionError(
      `Kafka does not answer at ${brokers.join(",")}; \`deno task up\` starts only a plaintext ` +
        "broker (or, with --secure, a secured one of its own): fix KAFKA_BROKERS",
    );
  }
  const admin = createKafka(brokers, "sales-stream-up", { security }).admin();
  try {
    await verifyKafkaTls(brokers, security);
    await admin.connect();
    await admin.describeCluster();
  } catch (error) {
    throw new ProvisionError(explainKafkaError(error, "connect", brokers, security));
  } finally {
    await admin.disconnect().catch(() => {});
  }
  const who = security.sasl ? ` as "${security.sasl.username}"` : "";
  say(`Kafka answers at ${brokers.join(",")} over ${security.protocol}${who}`);
}

/** Starts or checks the secured broker, creates the topics as its administrator and grants the ACLs. */
async function secureKafka(
  config: TaskConfig<"up">,
  prefix: string,
  reportsGroup: string,
  say: (line: string) => void,
) {
  const admin = await secureKafkaUp(config.kafkaBrokers, say);
  const kafka = createKafka(config.kafkaBrokers, "sales-stream-up", { security: admin });
  const topic = config.salesTopic;
  try {
    await ensureTopic(kafka, topic, config.partitions);
    await ensureTopic(kafka, dlqTopic(topic), 1);
    await ensureReportTopics(kafka, prefix);
    await grantAccess(
      kafka,
      projectAcls({
        salesTopic: topic,
        dlqTopic: dlqTopic(topic),
        consumerGroup: config.groupId,
        reportsGroup,
        reportTopics: REPORTS.map((r) => reportTopic(r, prefix)),
        readerGroups: Object.values(REPORT_READER_GROUPS),
      }),
    );
  } catch (error) {
    const what = "create the topics and ACLs as admin";
    throw new ProvisionError(explainKafkaError(error, what, config.kafkaBrokers, admin));
  }
  say(
    `Kafka users ${KAFKA_USERS.join(", ")} may each do only their part on ${topic} ` +
      `(group ${config.groupId}, reports group ${reportsGroup}, report prefix "${prefix}")`,
  );
}

/** Each process' settings for the secured services, one line each (file paths, never a secret). */
function settingsLines(
  config: TaskConfig<"up">,
  logins: DatabaseLogins | undefined,
  kafka: boolean,
  replicaUrl: string | undefined,
) {
  const port = Number(config.kafkaBrokers[0]!.split(":")[1]);
  const login = (user: KafkaUser) => {
    if (!kafka) return {};
    const { KAFKA_USERNAME, KAFKA_PASSWORD_FILE } = localKafkaSettings(port, user);
    return { KAFKA_USERNAME, KAFKA_PASSWORD_FILE };
  };
  const { KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM, KAFKA_CA_FILE } = localKafkaSettings(
    port,
    "admin",
  );
  const rows: [string, Record<string, string | undefined>][] = [
    ["every process", {
      ...(kafka
        ? {
          KAFKA_BROKERS: config.kafkaBrokers.join(","),
          KAFKA_SECURITY_PROTOCOL,
          KAFKA_SASL_MECHANISM,
          KAFKA_CA_FILE,
        }
        : {}),
      DATABASE_URL: logins?.owner.url,
      DATABASE_CA_FILE: logins?.owner.caFile,
    }],
    ["producer", login("producer")],
    ["consumer", {
      ...login("consumer"),
      CONSUMER_DATABASE_PASSWORD_FILE: logins?.consumer.passwordFile,
    }],
    ["reports", login("reports")],
    ["dashboard", {
      ...login("dashboard"),
      DASHBOARD_DATABASE_URL: replicaUrl,
      DASHBOARD_DATABASE_PASSWORD_FILE: logins?.dashboard.passwordFile,
    }],
    ["up, migrations", { ...login("admin"), DATABASE_PASSWORD_FILE: logins?.owner.passwordFile }],
  ];
  const lines = rows.map(([who, settings]) =>
    [who, Object.entries(settings).filter(([, v]) => v).map(([k, v]) => `${k}=${v}`)] as const
  ).filter(([, words]) => words.length > 0)
    .map(([who, words]) => `  ${who.padEnd(15)}${words.join(" ")}`);
  return ["Settings of each process (the secrets stay in their files):", ...lines];
}

if (import.meta.main) {
  const { config, values, options: { only, nodes, replicaPort } } = parseCli(
    "up",
    USAGE,
    { only: { type: "string" }, secure: { type: "boolean" }, replica: { type: "boolean" } },
    (v, config) => {
      const size = config.clusterSize;
      if (size > 1 && v.secure) {
        throw new ConfigError("--secure starts one broker; leave out --cluster-size");
      }
      const only = oneOf("--only", v.only, ["kafka", "postgres"] as const);
      return {
        only,
        nodes: size > 1 ? clusterNodes(config.kafkaBrokers, size) : undefined,
        replicaPort: v.replica ? replicaPortOf(config, only) : undefined,
      };
    },
  );
  const version = config.kafkaVersion;
  quietKafkaTimerWarnings();
  await provisionOrExit(async (say) => {
    // Refused before anything starts: a replica needs a primary this project runs.
    if (replicaPort) await refuseForeignPrimary(config.database.owner);
    const replicaOf = async (owner: DatabaseLogin, reader: string) => {
      if (!replicaPort) return undefined;
      const url = await postgresReplicaUp(owner, replicaPort, reader, say);
      say(url);
      return url;
    };
    const reader = decodeURIComponent(new URL(config.database.dashboard.url).username);
    if (!values.secure) {
      if (only !== "postgres") {
        if (config.kafkaSecurity.protocol !== "PLAINTEXT") await checkKafkaLogin(config, say);
        else if (nodes) await kafkaClusterUp(nodes, say, version);
        else await kafkaUp(config.kafkaBrokers, say, undefined, { version });
      }
      if (only !== "kafka") await postgresUp(config.database.owner, say);
      await replicaOf(config.database.owner, reader);
      return;
    }
    if (only !== "postgres") {
      await secureKafka(config, config.reportPrefix, config.reportsGroup, say);
    }
    const logins = only !== "kafka" ? await securePostgresUp(config.database, say) : undefined;
    const replicaUrl = logins && await replicaOf(logins.owner, reader);
    for (const line of settingsLines(config, logins, only !== "postgres", replicaUrl)) say(line);
  });
}

/** The replica's port: REPLICA_PORT, else DATABASE_URL's port + 1; refused where it cannot be. */
function replicaPortOf(config: TaskConfig<"up">, only: string | undefined): number {
  if (only === "kafka") {
    throw new ConfigError("--replica is a PostgreSQL replica; leave out --only kafka");
  }
  const primary = Number(new URL(config.databaseUrl).port || 5432);
  const port = config.replicaPort ?? primary + 1;
  if (port === primary) {
    throw new ConfigError(
      `REPLICA_PORT (--replica-port) ${port} is DATABASE_URL's port; the replica needs its own`,
    );
  }
  if (port > 65535) throw new ConfigError(`DATABASE_URL's port + 1 is no port; set REPLICA_PORT`);
  return port;
}
