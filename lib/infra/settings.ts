/**
 * Every setting of the project's tasks, declared once in SETTINGS (as Debezium's connector configs
 * declare one `Field` per setting): its environment variable, its flag, its default, how its text
 * is parsed and checked, one help line, whether it is a secret, and which tasks read it. From this
 * table come each task's flags and the typed settings it is given (`cli.ts`, `config.ts`), each
 * task's `--help` and the README's Settings table (`settings_help.ts`;
 * tests/infra/settings_test.ts fails when the README differs). This is the only product code that
 * reads the process' environment.
 *
 * A value comes from the setting's flag, else its variable, else its default; a task reads only
 * the settings that name it, and refuses the flags of the others as unknown. A bad value is a
 * ConfigError whose one sentence names the flag or variable it came from. A secret is never a
 * flag: it is read from the file NAME_FILE names (or its flag, which takes the file) or, less
 * safely, from NAME itself, and is held as a Secret, whose value printing the settings never shows.
 *
 * To add a setting, add one entry to SETTINGS, e.g.
 *
 *     metricsPort: setting({
 *       env: "METRICS_PORT", flag: "metrics-port", default: "9464", parse: portOrOff,
 *       help: "port of the consumer's /metrics and /healthz; 0: off",
 *       group: "operations", tasks: ["consume"],
 *     }),
 *
 * (a parser of its own goes with the others below the table). The tasks it names then accept
 * `--metrics-port`, list it in `--help`, and find the parsed value, typed by `parse`, at
 * `config.metricsPort`. Then give the README's Settings table its row (the test prints the rows it
 * expects) and tests/infra/settings_test.ts a bad value for it (it fails until every setting that
 * can be refused has one).
 */

import { isTimeZone } from "../core/zoned_time.ts";

/** The project's tasks, as `deno task NAME` runs them. */
export const TASKS = [
  "produce",
  "consume",
  "serve",
  "reports",
  "up",
  "down",
  "demo",
  "test",
  "verify",
  "rebuild",
  "retention",
  "bench",
  "bench:write",
  "bench:reports",
  "unstick",
] as const;

/** One of the project's tasks. */
export type Task = (typeof TASKS)[number];

/** Environment variables or flag values by name. */
export type Source = Record<string, string | undefined>;

/** Thrown when a setting is missing or malformed; the message names the variable or flag. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** A secret's value, kept out of the settings' JSON and printed form. */
export interface Secret {
  /** the file it was read from (NAME_FILE), when it came from one */
  file?: string;
  value(): string;
}

/** The headings settings are listed under in `--help` and the README, in this order. */
export const GROUPS = {
  kafka: "Kafka",
  "kafka-security": "Kafka security (default: PLAINTEXT, no TLS, no login)",
  postgres: "PostgreSQL (passwords only from files)",
  dashboard: "Dashboard",
  reports: "Reports process",
  "card-data": "Card data",
  operations: "Operations (metrics, health, logs)",
  local: "Local services",
} as const;

/** One setting, as the table declares it. */
export interface Setting {
  /** the environment variable; for a secret, the one holding the value (NAME_FILE holds its file) */
  env: string;
  /** the flag, without `--`; for a secret, the flag of its file */
  flag?: string;
  /** the value when neither the flag nor the variable is given, as text */
  default?: string;
  /** what happens when it is not given, when that is not a value (shown as its default) */
  whenUnset?: string;
  /**
   * what an empty (or blank) value means: refused with "NAME is empty" (the default), as if unset,
   * or a value for `parse` to judge (an empty prefix; a number or choice its parser refuses)
   */
  empty?: "refused" | "unset" | "value";
  /** turns the text into the value; throws ConfigError naming `name` (the flag or variable) */
  parse: (name: string, text: string) => unknown;
  /** a password, token or key: from NAME_FILE (or NAME), never a flag, never printed */
  secret?: true;
  /** one line for `--help` and the README */
  help: string;
  group: keyof typeof GROUPS;
  /** the tasks that read it */
  tasks: readonly Task[];
}

/** Declares one setting, keeping its literal types (tasks, default, parse) for the typed values. */
function setting<const S extends Setting>(declared: S): S {
  return declared;
}

// --- parsers: each takes the name the value was given under and its text -----------------------

/** Any text, as given (trimmed). */
function text(_name: string, value: string): string {
  return value;
}

/** Parses a whole positive number, naming the setting when it is not one. */
export function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) {
    throw new ConfigError(`${name} must be a whole number above 0, got "${text}"`);
  }
  return n;
}

/** Longest wait a seconds setting takes: an hour. */
const MAX_SECONDS = 3600;

/** Parses seconds above 0 (like 10 or 0.5, at most an hour) into ms, naming the setting when bad. */
function positiveSeconds(name: string, text: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!(seconds > 0 && seconds <= MAX_SECONDS)) {
    throw new ConfigError(
      `${name} must be a number of seconds above 0 and at most ${MAX_SECONDS}, got "${text}"`,
    );
  }
  return Math.max(1, Math.round(seconds * 1000));
}

/** Kafka's bootstrap servers: host:port[,host:port]. */
function brokerList(name: string, text: string): string[] {
  const brokers = text.split(",").map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new ConfigError(`${name} lists no broker; expected host:port`);
  for (const broker of brokers) {
    if (!/^[^:\s]+:\d+$/.test(broker)) {
      throw new ConfigError(`${name} has "${broker}"; expected host:port[,host:port]`);
    }
  }
  return brokers;
}

/** The compression names a producer may choose, as Kafka's `compression.type` spells them. */
const COMPRESSIONS = ["none", "gzip", "snappy", "lz4", "zstd"] as const;

/** One of the compression names. */
export type CompressionName = (typeof COMPRESSIONS)[number];

/** A compression name. */
function compression(name: string, text: string): CompressionName {
  if ((COMPRESSIONS as readonly string[]).includes(text)) return text as CompressionName;
  throw new ConfigError(`${name} takes ${COMPRESSIONS.join(", ")}; got "${text}"`);
}

/** The range of session timeouts a Kafka broker accepts by default (group.min/max.session.timeout.ms), in s. */
const SESSION_TIMEOUT_RANGE_S = [6, 1800] as const;

/** The consumer's session timeout: whole seconds, 6 to 1800, into ms. */
function sessionTimeout(name: string, text: string): number {
  const [min, max] = SESSION_TIMEOUT_RANGE_S;
  const seconds = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(seconds >= min && seconds <= max)) {
    throw new ConfigError(
      `${name} must be whole seconds from ${min} to ${max} (the broker's default limits), ` +
        `got "${text}"`,
    );
  }
  return seconds * 1000;
}

/** The most a sale's Kafka timestamp may be ahead of the consumer's clock: a day, in s. */
const MAX_CLOCK_TOLERANCE_S = 86_400;

/** How far ahead of the consumer's clock a record's timestamp is trusted: whole seconds, 0 to a day, into ms. */
function clockTolerance(name: string, text: string): number {
  const seconds = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(seconds >= 0 && seconds <= MAX_CLOCK_TOLERANCE_S)) {
    throw new ConfigError(
      `${name} must be whole seconds from 0 to ${MAX_CLOCK_TOLERANCE_S}, got "${text}"`,
    );
  }
  return seconds * 1000;
}

/** How a process reaches Kafka: in the clear, over TLS, or over TLS with a SASL login. */
export type KafkaProtocol = "PLAINTEXT" | "SSL" | "SASL_SSL";

/** The SASL mechanisms a login may use. */
export type SaslMechanism = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";

const PROTOCOLS: readonly KafkaProtocol[] = ["PLAINTEXT", "SSL", "SASL_SSL"];
const MECHANISMS: readonly SaslMechanism[] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

/** KAFKA_SECURITY_PROTOCOL, in any case; SASL_PLAINTEXT is refused (the login would be in clear). */
function kafkaProtocol(name: string, text: string): KafkaProtocol {
  const protocol = text.toUpperCase() as KafkaProtocol;
  if (protocol === "SASL_PLAINTEXT" as KafkaProtocol) {
    throw new ConfigError(
      `${name}=SASL_PLAINTEXT is not supported: the login and the data would cross ` +
        "the network unencrypted; use SASL_SSL",
    );
  }
  if (!PROTOCOLS.includes(protocol)) {
    throw new ConfigError(`${name} takes ${PROTOCOLS.join(", ")}, got "${text}"`);
  }
  return protocol;
}

/** KAFKA_SASL_MECHANISM, in any case. */
function saslMechanism(name: string, text: string): SaslMechanism {
  const mechanism = text.toUpperCase() as SaslMechanism;
  if (!MECHANISMS.includes(mechanism)) {
    throw new ConfigError(`${name} takes ${MECHANISMS.join(", ")}, got "${text}"`);
  }
  return mechanism;
}

/** A SASL user name: printable ASCII without spaces, quotes or backslashes (it goes into JAAS). */
function kafkaUsername(name: string, text: string): string {
  if (!/^[\x21-\x7e]+$/.test(text) || /["\\]/.test(text)) {
    throw new ConfigError(
      `${name} must be printable ASCII without spaces, quotes or backslashes`,
    );
  }
  return text;
}

/** A URL as it may be shown: its password replaced by stars. */
function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(not a URL)";
  }
}

/** A postgres:// URL; messages never show its password. */
function databaseUrl(name: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL("invalid:");
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) {
    throw new ConfigError(`${name} must start with postgres://, got "${shownUrl(url)}"`);
  }
  if (parsed.searchParams.has("sslrootcert")) {
    throw new ConfigError(
      `${name} has sslrootcert, which the PostgreSQL client ignores: remove it and set DATABASE_CA_FILE`,
    );
  }
  return url;
}

/** The owner's URL; given as a flag, it may not hold a password (every user sees arguments). */
function ownerDatabaseUrl(name: string, url: string): string {
  databaseUrl(name, url);
  if (name.startsWith("--") && new URL(url).password) {
    throw new ConfigError(
      `${name} holds a password, and process arguments are visible to every user of this ` +
        "machine: give the URL without it and put the password in DATABASE_PASSWORD_FILE",
    );
  }
  return url;
}

/** A file named by a setting, as text; ConfigError naming the setting when it cannot be read. */
export function readSettingFile(setting: string, file: string): string {
  try {
    return Deno.readTextFileSync(file);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "no such file"
      : error instanceof Deno.errors.PermissionDenied
      ? "permission denied"
      : error instanceof Deno.errors.IsADirectory
      ? "it is a folder"
      : (error as Error).message;
    throw new ConfigError(`${setting}=${file} cannot be read (${reason})`);
  }
}

/** A secret file's content without one trailing newline; ConfigError when missing or empty. */
export function readSecretFile(setting: string, file: string): string {
  const text = readSettingFile(setting, file).replace(/\r?\n$/, "");
  if (text === "") throw new ConfigError(`${setting}=${file} is empty`);
  if (/[\r\n]/.test(text)) {
    throw new ConfigError(
      `${setting}=${file} has more than one line; it must hold the secret only`,
    );
  }
  return text;
}

/** A password file: checked now (readable, one line), read again at each connection. */
function passwordFile(name: string, file: string): string {
  readSecretFile(name, file);
  return file;
}

/** The card-hash key: at least 16 characters. */
function cardHashKey(name: string, key: string): string {
  if (key.length < 16) {
    throw new ConfigError(`${name} holds fewer than 16 characters; use a long random value`);
  }
  return key;
}

/** An instance id: letters, digits, '.', '_' or '-' (it names files and Kafka's member id). */
function instanceId(name: string, id: string): string {
  if (!/^[\w.-]+$/.test(id)) {
    throw new ConfigError(`${name} must be letters, digits, '.', '_' or '-', got "${id}"`);
  }
  return id;
}

/** An IANA time zone name the runtime knows ("UTC", "America/New_York"). */
function timeZone(name: string, text: string): string {
  if (!isTimeZone(text)) {
    throw new ConfigError(
      `${name} must be an IANA time zone name like America/New_York or UTC, got "${
        text.slice(0, 60)
      }"`,
    );
  }
  return text;
}

/** A TCP port to listen on, or 0 for none: 0 to 65535. */
function portOrOff(name: string, text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new ConfigError(`${name} must be a port from 1 to 65535, or 0 for none, got "${text}"`);
  }
  return port;
}

/** An address to listen on: a host name, an IPv4 address or an IPv6 address (no URL, no port). */
function listenHost(name: string, text: string): string {
  if (!/^[\w.-]+$|^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/.test(text)) {
    throw new ConfigError(
      `${name} must be a host name or an IP address like 127.0.0.1 or ::, got "${
        text.slice(0, 60)
      }"`,
    );
  }
  return text;
}

/** How log lines are written: one JSON object per line, or text (time, level, message). */
const LOG_FORMATS = ["text", "json"] as const;

/** One of the log formats. */
type LogFormat = (typeof LOG_FORMATS)[number];

/** A log format: json or text, in any case. */
function logFormat(name: string, text: string): LogFormat {
  const format = LOG_FORMATS.find((f) => f === text.toLowerCase());
  if (!format) throw new ConfigError(`${name} takes text or json, got "${text.slice(0, 60)}"`);
  return format;
}

/** The most brokers `deno task up` starts on one machine (each takes a JVM of 384 MB heap). */
const MAX_CLUSTER_SIZE = 5;

/** A local cluster's size: 1 to MAX_CLUSTER_SIZE brokers. */
function clusterSize(name: string, text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(Number.isInteger(n) && n >= 1 && n <= MAX_CLUSTER_SIZE)) {
    throw new ConfigError(
      `${name} must be a whole number of brokers from 1 to ${MAX_CLUSTER_SIZE}, got "${text}"`,
    );
  }
  return n;
}

/** The Kafka releases the project runs locally (infra/kafka/pom.xml, infra/kafka/3.9/pom.xml). */
export const KAFKA_VERSIONS = ["4.4.0", "3.9.1"] as const;

/** One of the Kafka releases the project runs. */
export type KafkaVersion = (typeof KAFKA_VERSIONS)[number];

/** The release `deno task up` starts unless told otherwise. */
export const DEFAULT_KAFKA_VERSION: KafkaVersion = "4.4.0";

/** One Kafka release. */
function kafkaVersion(name: string, text: string): KafkaVersion {
  const version = KAFKA_VERSIONS.find((v) => v === text);
  if (!version) {
    throw new ConfigError(`${name} takes ${KAFKA_VERSIONS.join(" or ")}, got "${text}"`);
  }
  return version;
}

/** A comma-separated list of releases (the setting `name`, e.g. FLEET_KAFKA_VERSIONS); may be empty. */
export function kafkaVersionList(name: string, text: string): KafkaVersion[] {
  return text.split(",").map((v) => v.trim()).filter(Boolean).map((v) => {
    const version = KAFKA_VERSIONS.find((known) => known === v);
    if (!version) {
      throw new ConfigError(`${name} lists "${v}"; the releases are ${KAFKA_VERSIONS.join(", ")}`);
    }
    return version;
  });
}

/** A port a local service (a broker, a PostgreSQL cluster) may listen on: 1024 to 65535. */
function localPort(name: string, text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1024 && port <= 65535)) {
    throw new ConfigError(`${name} must be a port from 1024 to 65535, got "${text}"`);
  }
  return port;
}

/** The longest retention SALES_RETENTION takes: 100 years, in days. */
const MAX_RETENTION_DAYS = 36_500;

/** How long sales are kept: whole days from 1 to 36500, written with a `d` (`400d`). */
function retentionDays(name: string, text: string): number {
  const match = /^([0-9]{1,5})d$/.exec(text);
  const days = match ? Number(match[1]) : NaN;
  if (!(days >= 1 && days <= MAX_RETENTION_DAYS)) {
    throw new ConfigError(
      `${name} must be whole days from 1 to ${MAX_RETENTION_DAYS} written like 400d, got "${
        [...text].slice(0, 40).join("").replace(/[^\x20-\x7e]/g, "?")
      }"`,
    );
  }
  return days;
}

// --- the table ----------------------------------------------------------------------------------

/** The tasks that talk to Kafka with the project's security settings. */
const KAFKA_CLIENTS = [
  "produce",
  "consume",
  "serve",
  "reports",
  "up",
  "bench",
  "bench:reports",
  "unstick",
] as const;

/** The tasks that log in to PostgreSQL as the database's owner (or migrate as it). */
const DATABASE_OWNERS = [
  "consume",
  "serve",
  "up",
  "demo",
  "test",
  "verify",
  "rebuild",
  "retention",
  "unstick",
] as const;

/** Every setting of the project's tasks, in the order `--help` and the README list them. */
export const SETTINGS = {
  kafkaBrokers: setting({
    env: "KAFKA_BROKERS",
    flag: "brokers",
    default: "localhost:9092",
    parse: brokerList,
    help: "Kafka bootstrap servers, host:port[,host:port]",
    group: "kafka",
    tasks: [...KAFKA_CLIENTS, "down", "demo", "test"],
  }),
  salesTopic: setting({
    env: "SALES_TOPIC",
    flag: "topic",
    default: "sales_topic",
    parse: text,
    help: "topic of sales records; bad ones go to `<topic>.dlq`",
    group: "kafka",
    tasks: ["produce", "consume", "serve", "reports", "up", "unstick"],
  }),
  partitions: setting({
    env: "SALES_PARTITIONS",
    flag: "partitions",
    default: "6",
    parse: positiveInt,
    help: "partitions of the sales topic when it is created",
    group: "kafka",
    tasks: ["produce", "consume", "up", "bench:reports"],
  }),
  groupId: setting({
    env: "CONSUMER_GROUP",
    flag: "group",
    default: "sales-consumer",
    parse: text,
    help: "consumer group of `deno task consume`",
    group: "kafka",
    tasks: ["consume", "serve", "up", "unstick"],
  }),
  sessionTimeoutMs: setting({
    env: "CONSUMER_SESSION_TIMEOUT",
    flag: "session-timeout",
    default: "10",
    empty: "value",
    parse: sessionTimeout,
    help: "seconds (6 to 1800) after which Kafka gives a silent consumer's partitions to " +
      "another; its PostgreSQL transactions idle that long are rolled back, lock waits that " +
      "long retried",
    group: "kafka",
    tasks: ["consume"],
  }),
  clockToleranceMs: setting({
    env: "CONSUMER_CLOCK_TOLERANCE",
    flag: "clock-tolerance",
    default: "300",
    empty: "value",
    parse: clockTolerance,
    help: "seconds (0 to 86400) a sale's Kafka timestamp may be ahead of the consumer's clock; " +
      "a later one, or one before 2000-01-01, is not trusted: the sale is filed at the time the " +
      "consumer read it, and counted",
    group: "kafka",
    tasks: ["consume"],
  }),
  connectTimeoutMs: setting({
    env: "KAFKA_CONNECT_TIMEOUT",
    flag: "timeout",
    default: "10",
    empty: "value",
    parse: positiveSeconds,
    help: "seconds to wait for Kafka when connecting before giving up (exit 1); above 0, at " +
      "most 3600",
    group: "kafka",
    tasks: ["produce", "consume"],
  }),
  compression: setting({
    env: "KAFKA_COMPRESSION",
    flag: "compression",
    default: "none",
    empty: "value",
    parse: compression,
    help: "how the producer's batches are compressed: none, gzip, snappy, lz4 or zstd (the " +
      "consumer reads all of them)",
    group: "kafka",
    tasks: ["produce"],
  }),
  kafkaSecurityProtocol: setting({
    env: "KAFKA_SECURITY_PROTOCOL",
    flag: "kafka-security-protocol",
    default: "PLAINTEXT",
    parse: kafkaProtocol,
    help: "PLAINTEXT, SSL (TLS) or SASL_SSL (TLS and a login)",
    group: "kafka-security",
    tasks: KAFKA_CLIENTS,
  }),
  kafkaSaslMechanism: setting({
    env: "KAFKA_SASL_MECHANISM",
    flag: "kafka-sasl-mechanism",
    whenUnset: "SCRAM-SHA-512 on SASL_SSL",
    parse: saslMechanism,
    help: "the login's mechanism: SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN",
    group: "kafka-security",
    tasks: KAFKA_CLIENTS,
  }),
  kafkaUsername: setting({
    env: "KAFKA_USERNAME",
    flag: "kafka-username",
    parse: kafkaUsername,
    help: "the SASL login",
    group: "kafka-security",
    tasks: KAFKA_CLIENTS,
  }),
  kafkaPassword: setting({
    env: "KAFKA_PASSWORD",
    flag: "kafka-password-file",
    secret: true,
    parse: text,
    help: "a file holding the login's password",
    group: "kafka-security",
    tasks: KAFKA_CLIENTS,
  }),
  kafkaCaFile: setting({
    env: "KAFKA_CA_FILE",
    flag: "kafka-ca-file",
    whenUnset: "the system's CAs",
    parse: text,
    help: "PEM CA of the brokers' certificates (host names are always checked)",
    group: "kafka-security",
    tasks: KAFKA_CLIENTS,
  }),
  kafkaCertFile: setting({
    env: "KAFKA_CERT_FILE",
    flag: "kafka-cert-file",
    parse: text,
    help: "a client certificate (PEM) for brokers that ask for one, with KAFKA_KEY_FILE",
    group: "kafka-security",
    tasks: KAFKA_CLIENTS,
  }),
  kafkaKeyFile: setting({
    env: "KAFKA_KEY_FILE",
    flag: "kafka-key-file",
    parse: text,
    help: "the client certificate's unencrypted key (PEM)",
    group: "kafka-security",
    tasks: KAFKA_CLIENTS,
  }),
  databaseUrl: setting({
    env: "DATABASE_URL",
    flag: "database-url",
    default: "postgres://postgres@localhost:5432/sales",
    parse: ownerDatabaseUrl,
    help: "PostgreSQL, logged in as the database's owner; the database is created when missing",
    group: "postgres",
    tasks: [...DATABASE_OWNERS, "down", "bench", "bench:write", "bench:reports"],
  }),
  databasePasswordFile: setting({
    env: "DATABASE_PASSWORD_FILE",
    empty: "unset",
    parse: passwordFile,
    help: "the owner's password (DATABASE_URL: `deno task up`, migrations)",
    group: "postgres",
    tasks: DATABASE_OWNERS,
  }),
  consumerDatabaseUrl: setting({
    env: "CONSUMER_DATABASE_URL",
    empty: "unset",
    whenUnset: "DATABASE_URL as role sales_writer",
    parse: databaseUrl,
    help: "the consumer's login (insert and update of its own tables only)",
    group: "postgres",
    tasks: ["consume", "up"],
  }),
  consumerDatabasePasswordFile: setting({
    env: "CONSUMER_DATABASE_PASSWORD_FILE",
    empty: "unset",
    parse: passwordFile,
    help: "sales_writer's password",
    group: "postgres",
    tasks: ["consume", "up"],
  }),
  dashboardDatabaseUrl: setting({
    env: "DASHBOARD_DATABASE_URL",
    empty: "unset",
    whenUnset: "DATABASE_URL as role sales_reader",
    parse: databaseUrl,
    help: "the dashboard's read-only login",
    group: "postgres",
    tasks: ["serve", "up"],
  }),
  dashboardDatabasePasswordFile: setting({
    env: "DASHBOARD_DATABASE_PASSWORD_FILE",
    empty: "unset",
    parse: passwordFile,
    help: "sales_reader's password",
    group: "postgres",
    tasks: ["serve", "up"],
  }),
  databaseCaFile: setting({
    env: "DATABASE_CA_FILE",
    empty: "unset",
    whenUnset: "no TLS",
    parse: text,
    help: "PEM CA: every PostgreSQL connection uses TLS and checks the certificate and host " +
      "name (verify-full)",
    group: "postgres",
    tasks: DATABASE_OWNERS,
  }),
  salesRetention: setting({
    env: "SALES_RETENTION",
    flag: "retention",
    whenUnset: "keep everything",
    empty: "unset",
    parse: retentionDays,
    help: "how long sales are kept in detail, in whole days like 400d: `deno task retention` " +
      "drops each month of `sales` and of the minute log once all of it is older; all-time " +
      "figures stay",
    group: "postgres",
    tasks: ["retention"],
  }),
  host: setting({
    env: "HOST",
    flag: "host",
    default: "127.0.0.1",
    parse: text,
    help: "address the dashboard listens on",
    group: "dashboard",
    tasks: ["serve", "demo"],
  }),
  port: setting({
    env: "PORT",
    flag: "port",
    default: "8000",
    parse: positiveInt,
    help: "port the dashboard listens on",
    group: "dashboard",
    tasks: ["serve", "demo"],
  }),
  dashboardToken: setting({
    env: "DASHBOARD_TOKEN",
    secret: true,
    parse: text,
    help: "a file holding the dashboard's token: every request (page, fragments, API, static " +
      "files) then needs `Authorization: Bearer TOKEN` or basic auth with TOKEN as the password; " +
      "401 otherwise, and repeated wrong tokens from an address are slowed down, then refused " +
      "(429)",
    group: "dashboard",
    tasks: ["serve"],
  }),
  dashboardTimeZone: setting({
    env: "DASHBOARD_TIME_ZONE",
    flag: "time-zone",
    default: "UTC",
    parse: timeZone,
    help: "the IANA time zone the dashboard shows its times in and aligns Today, Yesterday, " +
      "This week, Last 7 days and This month to; `?tz=` overrides it per request",
    group: "dashboard",
    tasks: ["serve"],
  }),
  reportPrefix: setting({
    env: "REPORT_TOPIC_PREFIX",
    flag: "prefix",
    default: "",
    whenUnset: "none",
    empty: "value",
    parse: text,
    help: "prefix of the six report topics that `deno task reports` keeps",
    group: "dashboard",
    tasks: ["serve", "up"],
  }),
  reportsGroup: setting({
    env: "REPORTS_GROUP",
    flag: "reports-group",
    default: "sales-reports",
    parse: text,
    help: "the reports process' application id (its consumer group), for the ACLs of " +
      "`deno task up --secure`",
    group: "reports",
    tasks: ["up"],
  }),
  reportsInstanceId: setting({
    env: "REPORTS_INSTANCE_ID",
    flag: "instance-id",
    empty: "unset",
    whenUnset: "`<host>-<n>`, the lowest n not running on this machine",
    parse: instanceId,
    help: "this instance's id, unique and stable across restarts (its static group membership)",
    group: "reports",
    tasks: ["reports"],
  }),
  reportsStateDir: setting({
    env: "REPORTS_STATE_DIR",
    flag: "state-dir",
    empty: "unset",
    whenUnset: "`.local/reports-state/<instance id>`",
    parse: text,
    help: "this instance's state folder (RocksDB)",
    group: "reports",
    tasks: ["reports"],
  }),
  kafkaClientProperties: setting({
    env: "KAFKA_CLIENT_PROPERTIES",
    flag: "client-properties",
    empty: "unset",
    whenUnset: "on SSL or SASL_SSL, the Kafka security settings above as Java client properties",
    parse: text,
    help: "a Java client properties file of your own for the process' Kafka clients",
    group: "reports",
    tasks: ["reports"],
  }),
  cardHashSecret: setting({
    env: "CARD_HASH_SECRET",
    secret: true,
    whenUnset: "generated once in `.local/card-hash-secret`",
    parse: cardHashKey,
    help: "key of the card fingerprint and content hashes (HMAC-SHA256), at least 16 " +
      "characters; one per deployment, the same on every host",
    group: "card-data",
    tasks: ["consume", "reports", "bench", "bench:write", "bench:reports"],
  }),
  logFormat: setting({
    env: "LOG_FORMAT",
    flag: "log-format",
    default: "text",
    empty: "value",
    parse: logFormat,
    help: "text: one line per event with its time and level; json: one JSON object per line " +
      "(time, level, logger, msg and the event's fields)",
    group: "operations",
    tasks: ["produce", "consume", "serve", "reports"],
  }),
  metricsPort: setting({
    env: "METRICS_PORT",
    flag: "metrics-port",
    default: "9464",
    empty: "value",
    parse: portOrOff,
    help: "port of the consumer's /metrics, /healthz and /readyz; 0: none. A second consumer " +
      "on the same host needs a port of its own (a busy port stops it, exit 2)",
    group: "operations",
    tasks: ["consume"],
  }),
  metricsHost: setting({
    env: "METRICS_HOST",
    flag: "metrics-host",
    default: "127.0.0.1",
    parse: listenHost,
    help: "address the consumer's /metrics, /healthz and /readyz listen on (0.0.0.0 or :: for " +
      "every interface)",
    group: "operations",
    tasks: ["consume"],
  }),
  reportsMetricsPort: setting({
    env: "REPORTS_METRICS_PORT",
    flag: "reports-metrics-port",
    default: "9465",
    empty: "value",
    parse: portOrOff,
    help: "port of the reports process' /metrics, /healthz and /readyz; 0: none. A second " +
      "instance on the same host needs a port of its own (a busy port stops it, exit 2)",
    group: "operations",
    tasks: ["reports"],
  }),
  reportsMetricsHost: setting({
    env: "REPORTS_METRICS_HOST",
    flag: "reports-metrics-host",
    default: "127.0.0.1",
    parse: listenHost,
    help: "address the reports process' /metrics, /healthz and /readyz listen on (0.0.0.0 or " +
      ":: for every interface)",
    group: "operations",
    tasks: ["reports"],
  }),
  clusterSize: setting({
    env: "KAFKA_CLUSTER_SIZE",
    flag: "cluster-size",
    default: "1",
    empty: "value",
    parse: clusterSize,
    help: `brokers of the local Kafka cluster, 1 to ${MAX_CLUSTER_SIZE}`,
    group: "local",
    tasks: ["up", "down"],
  }),
  kafkaVersion: setting({
    env: "KAFKA_VERSION",
    flag: "kafka-version",
    default: DEFAULT_KAFKA_VERSION,
    empty: "value",
    parse: kafkaVersion,
    help: `the Kafka release \`deno task up\` starts: ${KAFKA_VERSIONS.join(" or ")}`,
    group: "local",
    tasks: ["up"],
  }),
  fleetKafkaVersions: setting({
    env: "FLEET_KAFKA_VERSIONS",
    default: KAFKA_VERSIONS.join(","),
    empty: "value",
    parse: kafkaVersionList,
    help: "Kafka releases the fault test on a cluster of three brokers runs on; empty: none",
    group: "local",
    tasks: ["test"],
  }),
  fleetKafkaPort: setting({
    env: "FLEET_KAFKA_PORT",
    default: "29092",
    empty: "value",
    parse: localPort,
    help: "first port of the fault test's clusters (each next release 10000 higher)",
    group: "local",
    tasks: ["test"],
  }),
  replicaPort: setting({
    env: "REPLICA_PORT",
    flag: "replica-port",
    whenUnset: "DATABASE_URL's port + 1",
    empty: "value",
    parse: localPort,
    help: "port of the read replica `deno task up --replica` starts (data in " +
      "`.local/postgres-<port>/`)",
    group: "local",
    tasks: ["up"],
  }),
};

/** The table's type. */
type Table = typeof SETTINGS;

/** The name of a setting in SETTINGS. */
export type SettingKey = keyof Table;

/** A setting's value: what its parser returns (a Secret for a secret), undefined when unset. */
type Value<K extends SettingKey> =
  | (Table[K] extends { secret: true } ? Secret : ReturnType<Table[K]["parse"]>)
  | (Table[K] extends { default: string } ? never : undefined);

/** The settings a task (or any of a union of tasks) reads. */
export type KeysOf<T extends Task> = {
  [K in SettingKey]: T extends Table[K]["tasks"][number] ? K : never;
}[SettingKey];

/** The values of some settings, by name. */
export type Settings<K extends SettingKey> = { [P in K]: Value<P> };

/** Every setting's name, in table order. */
export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

/** The settings a task reads, in table order. */
export function keysOf<T extends Task>(task: T): KeysOf<T>[] {
  return SETTING_KEYS.filter((key) =>
    (SETTINGS[key].tasks as readonly Task[]).includes(task)
  ) as KeysOf<T>[];
}

/** The flags of the settings a task reads, without `--`. */
export function flagsOf(task: Task): string[] {
  return keysOf(task).flatMap((key) => {
    const flag = (SETTINGS[key] as Setting).flag;
    return flag === undefined ? [] : [flag];
  });
}

/** The process' environment: the one place product code reads it. */
export function processEnvironment(): Source {
  return Deno.env.toObject();
}

/** A secret: NAME_FILE (or the flag of the file), or NAME; undefined when neither is set. */
function readSecret(declared: Setting, env: Source, flags: Source): Secret | undefined {
  const fileSetting = `${declared.env}_FILE`;
  const file = (declared.flag ? flags[declared.flag] : undefined) || env[fileSetting] || undefined;
  const given = env[declared.env] || undefined;
  if (file && given) throw new ConfigError(`set ${fileSetting} or ${declared.env}, not both`);
  if (given !== undefined) {
    const value = declared.parse(declared.env, given) as string;
    return { value: () => value };
  }
  if (file === undefined) return undefined;
  const value = declared.parse(fileSetting, readSecretFile(fileSetting, file)) as string;
  return { file, value: () => value };
}

/** One setting's value from its flag, else its variable, else its default; undefined when unset. */
export function readSetting<K extends SettingKey>(
  key: K,
  env: Source,
  flags: Source = {},
): Value<K> {
  const declared: Setting = SETTINGS[key];
  if (declared.secret) return readSecret(declared, env, flags) as Value<K>;
  const flagged = declared.flag === undefined ? undefined : flags[declared.flag];
  const name = flagged !== undefined ? `--${declared.flag}` : declared.env;
  let given = (flagged ?? env[declared.env])?.trim();
  if (given === "") {
    const empty = declared.empty ?? "refused";
    if (empty === "refused") {
      throw new ConfigError(
        `${name} is empty; ${flagged !== undefined ? "leave it out" : "unset it"} or give a value`,
      );
    }
    if (empty === "unset") given = undefined;
  }
  const value = given ?? declared.default;
  return (value === undefined ? undefined : declared.parse(name, value)) as Value<K>;
}

/** The values of the settings `keys`, each read by readSetting(). */
export function readSettings<K extends SettingKey>(
  keys: readonly K[],
  env: Source,
  flags: Source = {},
): Settings<K> {
  return Object.fromEntries(keys.map((key) => [key, readSetting(key, env, flags)])) as Settings<K>;
}

/** A setting's default, parsed (for code that runs without the settings, such as tests). */
export function settingDefault<K extends SettingKey>(key: K): Value<K> {
  return readSetting(key, {});
}
