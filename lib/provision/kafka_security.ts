/**
 * The secured local Kafka broker of `deno task up --secure`: a SASL_SSL client listener with SCRAM
 * users made when its storage is formatted (one per process, passwords generated into
 * .local/secrets/), TLS with client certificates between broker and controller, and
 * deny-by-default ACLs that give each user only what its process needs.
 */
import {
  type AclEntry,
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  type Kafka,
  ResourcePatternTypes,
} from "kafkajs";
import { randomBytes } from "node:crypto";
import { type KafkaSecurity, loadKafkaSecurity } from "../infra/config.ts";
import { createKafka } from "../infra/kafka.ts";
import { isLocalHost, LOCAL_DIR, privateLocalDir, ProvisionError } from "../infra/process.ts";
import { brokerDir, type BrokerVariant, kafkaUp } from "./kafka_broker.ts";
import { LOCAL_CA_FILE, serverCertificate } from "./tls.ts";

const SECURE_TEMPLATE = new URL("../../infra/kafka/server-secure.properties", import.meta.url)
  .pathname;

/** The users of the secured broker: the administrator and one per process. */
export const KAFKA_USERS = ["admin", "producer", "consumer", "reports", "dashboard"] as const;

/** One of the secured broker's users. */
export type KafkaUser = (typeof KAFKA_USERS)[number];

/** The folder of the passwords of the secured broker on `port` (mode 0700). */
function secretsDir(port: number): string {
  return `${LOCAL_DIR}secrets/kafka-${port}/`;
}

/** The settings (environment variables) a process uses to log in as `user` to the secured broker on `port`. */
export function localKafkaSettings(port: number, user: KafkaUser): Record<string, string> {
  return {
    KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
    KAFKA_SASL_MECHANISM: "SCRAM-SHA-512",
    KAFKA_USERNAME: user,
    KAFKA_PASSWORD_FILE: `${secretsDir(port)}${user}.password`,
    KAFKA_CA_FILE: LOCAL_CA_FILE,
  };
}

/** Reads a user's password file, making it (32 random bytes, hex) when it does not exist. */
async function ensurePassword(port: number, user: KafkaUser): Promise<string> {
  const file = `${secretsDir(port)}${user}.password`;
  try {
    return (await Deno.readTextFile(file)).trim();
  } catch {
    await privateLocalDir(secretsDir(port));
    const password = randomBytes(32).toString("hex");
    await Deno.writeTextFile(file, password, { mode: 0o600, createNew: true });
    return password;
  }
}

/** The secured broker's differences from the plaintext one. */
function secureVariant(port: number, passwords: Map<KafkaUser, string>): BrokerVariant {
  return {
    async serverProperties(host, listenerPort, dataDir) {
      const { cert, key } = await serverCertificate("broker");
      // Kafka's PEM key store: the unencrypted key, then its certificate chain, in one 0600 file.
      const keystore = `${brokerDir(port).dir}broker-keystore.pem`;
      const pem = await Promise.all([key, cert, LOCAL_CA_FILE].map((f) => Deno.readTextFile(f)));
      await Deno.writeTextFile(keystore, pem.map((p) => p.trim()).join("\n") + "\n", {
        mode: 0o600,
      });
      await Deno.chmod(keystore, 0o600);
      const template = await Deno.readTextFile(SECURE_TEMPLATE);
      return template.replaceAll("{{HOST}}", host)
        .replaceAll("{{PORT}}", String(listenerPort))
        .replaceAll("{{BROKER_PORT}}", String(listenerPort + 1))
        .replaceAll("{{CONTROLLER_PORT}}", String(listenerPort + 2))
        .replaceAll("{{DATA_DIR}}", dataDir)
        .replaceAll("{{KEYSTORE}}", keystore)
        .replaceAll("{{TRUSTSTORE}}", LOCAL_CA_FILE);
    },
    secretFormatArgs() {
      // Every user gets both SCRAM mechanisms, so a client may use either.
      return Promise.resolve(
        [...passwords].flatMap(([user, password]) =>
          ["SCRAM-SHA-512", "SCRAM-SHA-256"].flatMap((mechanism) => [
            "--add-scram",
            `${mechanism}=[name=${user},password=${password}]`,
          ])
        ),
      );
    },
    readinessClient(brokers) {
      return createKafka(brokers, "sales-stream-up", {
        security: loadKafkaSecurity(localKafkaSettings(port, "admin")),
      });
    },
  };
}

/**
 * Makes sure the secured broker answers at the first of `brokers` (started from .local/ when it
 * does not) and returns the administrator's security settings. Its storage must have been
 * formatted by this function: a folder formatted for a plaintext broker is refused.
 */
export async function secureKafkaUp(
  brokers: string[],
  say: (line: string) => void,
): Promise<KafkaSecurity> {
  const [host, portText] = brokers[0]!.split(":") as [string, string];
  if (!isLocalHost(host)) {
    throw new ProvisionError(
      `--secure starts and sets up the local secured broker; ${
        brokers[0]
      } is not on this machine ` +
        "(for a secured cluster of your own, give each process its settings: see the README)",
    );
  }
  const port = Number(portText);
  const formatted = await Deno.stat(`${brokerDir(port).data}/meta.properties`).then(
    () => true,
    () => false,
  );
  const adminPassword = `${secretsDir(port)}admin.password`;
  const hasPasswords = await Deno.stat(adminPassword).then(() => true, () => false);
  if (formatted && !hasPasswords) {
    throw new ProvisionError(
      `${brokerDir(port).dir} holds a broker formatted without --secure (or its passwords in ` +
        `${secretsDir(port)} are gone): stop it with \`deno task down --brokers ${
          brokers[0]
        }\` and delete the folder, or use another port`,
    );
  }
  const passwords = new Map<KafkaUser, string>();
  for (const user of KAFKA_USERS) passwords.set(user, await ensurePassword(port, user));
  await kafkaUp(brokers, say, secureVariant(port, passwords));
  return loadKafkaSecurity(localKafkaSettings(port, "admin"));
}

/** The names the ACLs are about; each process' settings must use the same. */
export interface AccessNames {
  salesTopic: string;
  /** the dead-letter topic of the sales topic */
  dlqTopic: string;
  /** the consumer's group (CONSUMER_GROUP) */
  consumerGroup: string;
  /**
   * the reports process' group (REPORTS_GROUP): it starts its transactional id, its restore
   * groups and, for Kafka Streams, its application id and internal topics
   */
  reportsGroup: string;
  /** the report topics (the dashboard reads them) */
  reportTopics: string[];
  /** starts of the dashboard's throw-away groups that read the report topics */
  readerGroups: string[];
}

type Rule = [
  user: KafkaUser,
  resource: AclResourceTypes,
  name: string,
  prefixed: boolean,
  ops: AclOperationTypes[],
];

/**
 * Each user's rights, nothing more. The producer writes the sales topic. The consumer reads it
 * with its group and writes the dead-letter topic. The reports process reads the sales topic and
 * writes and reads its topics, with its group, transactional id and internal topics under its
 * group's name. The dashboard reads the end offsets of the sales topic (Describe) and the report
 * topics with its throw-away groups.
 */
export function projectAcls(names: AccessNames): AclEntry[] {
  const { TOPIC, GROUP, TRANSACTIONAL_ID } = AclResourceTypes;
  const { READ, WRITE, DESCRIBE, ALL } = AclOperationTypes;
  const rules: Rule[] = [
    ["producer", TOPIC, names.salesTopic, false, [WRITE]],
    ["consumer", TOPIC, names.salesTopic, false, [READ]],
    ["consumer", GROUP, names.consumerGroup, false, [READ]],
    ["consumer", TOPIC, names.dlqTopic, false, [WRITE]],
    ["reports", TOPIC, names.salesTopic, false, [READ]],
    ["reports", GROUP, names.reportsGroup, true, [READ]],
    ["reports", TRANSACTIONAL_ID, names.reportsGroup, true, [WRITE]],
    ["reports", TOPIC, names.reportsGroup, true, [ALL]],
    ...names.reportTopics.map((t): Rule => [
      "reports",
      TOPIC,
      t,
      false,
      [READ, WRITE],
    ]),
    ["dashboard", TOPIC, names.salesTopic, false, [DESCRIBE]],
    ...names.reportTopics.map((t): Rule => ["dashboard", TOPIC, t, false, [READ]]),
    ...names.readerGroups.map((g): Rule => ["dashboard", GROUP, g, true, [READ]]),
  ];
  return rules.flatMap(([user, resourceType, resourceName, prefixed, operations]) =>
    operations.map((operation) => ({
      resourceType,
      resourceName,
      resourcePatternType: prefixed ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
      principal: `User:${user}`,
      host: "*",
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    }))
  );
}

/** Creates the ACLs through an administrator's client (an ACL that exists already is kept). */
export async function grantAccess(kafka: Kafka, acl: AclEntry[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createAcls({ acl });
  } finally {
    await admin.disconnect();
  }
}
