/** Typed configuration read once from the environment and command-line flags. */

/** How a process reaches Kafka: in the clear, over TLS, or over TLS with a SASL login. */
export type KafkaProtocol = "PLAINTEXT" | "SSL" | "SASL_SSL";

/** The SASL mechanisms a login may use. */
export type SaslMechanism = "PLAIN" | "SCRAM-SHA-256" | "SCRAM-SHA-512";

/** Kafka's security settings: protocol, TLS trust and client certificate, SASL login. */
export interface KafkaSecurity {
  protocol: KafkaProtocol;
  /** TLS (SSL and SASL_SSL): PEM text read from the files; no CA means the system's roots */
  tls?: {
    caFile?: string;
    ca?: string;
    certFile?: string;
    cert?: string;
    keyFile?: string;
    key?: string;
  };
  /** the login (SASL_SSL only); the password is a function so that printing the config shows none */
  sasl?: {
    mechanism: SaslMechanism;
    username: string;
    password: () => string;
    /** where the password came from, when it came from a file */
    passwordFile?: string;
  };
}

/** One PostgreSQL login: its URL, where its password is read, the CA to verify the server with. */
export interface DatabaseLogin {
  url: string;
  /** the variable to fix when the URL is wrong */
  urlSetting: string;
  /** a file holding the password, read at each new connection (else the URL's password, or none) */
  passwordFile?: string;
  /** the variable to fix when the password is wrong */
  passwordSetting: string;
  /** PEM CA: connect over TLS and verify the certificate and host name (verify-full) */
  caFile?: string;
}

/** The logins of the database's owner (migrations, `deno task up`), the consumer and the dashboard. */
export interface DatabaseLogins {
  owner: DatabaseLogin;
  /** role sales_writer: CONSUMER_DATABASE_URL, or DATABASE_URL logged in as sales_writer */
  consumer: DatabaseLogin;
  /** role sales_reader: DASHBOARD_DATABASE_URL, or DATABASE_URL logged in as sales_reader */
  dashboard: DatabaseLogin;
}

/** Settings shared by every entrypoint. */
export interface Config {
  kafkaBrokers: string[];
  kafkaSecurity: KafkaSecurity;
  databaseUrl: string;
  database: DatabaseLogins;
  salesTopic: string;
  host: string;
  port: number;
  partitions: number;
  groupId: string;
}

/** Thrown when a setting is missing or malformed; the message names the variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Default values, as documented in the README. */
const DEFAULTS = {
  KAFKA_BROKERS: "localhost:9092",
  DATABASE_URL: "postgres://postgres@localhost:5432/sales",
  SALES_TOPIC: "sales_topic",
  HOST: "127.0.0.1",
  PORT: "8000",
  SALES_PARTITIONS: "6",
  CONSUMER_GROUP: "sales-consumer",
} as const;

/** Environment variables or flag values by name. */
export type Source = Record<string, string | undefined>;

/** Builds the config from environment variables, overridden by the given flag values. */
export function loadConfig(env: Source = Deno.env.toObject(), flags: Source = {}): Config {
  const get = (name: keyof typeof DEFAULTS, flag?: string): string => {
    const value = (flag !== undefined ? flags[flag] : undefined) ?? env[name] ?? DEFAULTS[name];
    if (value.trim() === "") throw new ConfigError(`${name} is empty; unset it or give a value`);
    return value.trim();
  };
  const kafkaBrokers = get("KAFKA_BROKERS", "brokers").split(",").map((b) => b.trim())
    .filter(Boolean);
  for (const broker of kafkaBrokers) {
    if (!/^[^:\s]+:\d+$/.test(broker)) {
      throw new ConfigError(`KAFKA_BROKERS has "${broker}"; expected host:port[,host:port]`);
    }
  }
  const databaseUrl = databaseUrlOf("DATABASE_URL", get("DATABASE_URL", "database-url"));
  if (flags["database-url"] !== undefined && new URL(databaseUrl).password) {
    throw new ConfigError(
      "--database-url holds a password, and process arguments are visible to every user of this " +
        "machine: give the URL without it and put the password in DATABASE_PASSWORD_FILE",
    );
  }
  return {
    kafkaBrokers,
    kafkaSecurity: loadKafkaSecurity(env, flags),
    databaseUrl,
    database: loadDatabaseLogins(databaseUrl, env),
    salesTopic: get("SALES_TOPIC", "topic"),
    host: get("HOST", "host"),
    port: positiveInt("PORT", get("PORT", "port")),
    partitions: positiveInt("SALES_PARTITIONS", get("SALES_PARTITIONS", "partitions")),
    groupId: get("CONSUMER_GROUP", "group"),
  };
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
export function positiveSeconds(name: string, text: string): number {
  const seconds = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!(seconds > 0 && seconds <= MAX_SECONDS)) {
    throw new ConfigError(
      `${name} must be a number of seconds above 0 and at most ${MAX_SECONDS}, got "${text}"`,
    );
  }
  return Math.max(1, Math.round(seconds * 1000));
}

// --- secrets ----------------------------------------------------------------------------------

/**
 * A secret setting: NAME_FILE (the file's content without its trailing newline) or NAME (the
 * value itself, which stays in the process' environment: prefer the file). Undefined when neither
 * is set. Messages name the setting and the file, never the secret.
 */
export function secretSetting(
  name: string,
  env: Source,
  fileFlag?: string,
): { value: string; file?: string } | undefined {
  const file = fileFlag || env[`${name}_FILE`] || undefined;
  const value = env[name] || undefined;
  if (file && value) {
    throw new ConfigError(`set ${name}_FILE or ${name}, not both`);
  }
  if (value !== undefined) return { value };
  if (file === undefined) return undefined;
  return { value: readSecretFile(`${name}_FILE`, file), file };
}

/** A secret file's content without one trailing newline; ConfigError when missing or empty. */
export function readSecretFile(setting: string, file: string): string {
  const text = readSetting(setting, file).replace(/\r?\n$/, "");
  if (text === "") throw new ConfigError(`${setting}=${file} is empty`);
  if (/[\r\n]/.test(text)) {
    throw new ConfigError(
      `${setting}=${file} has more than one line; it must hold the secret only`,
    );
  }
  return text;
}

/** A file named by a setting, as text; ConfigError naming the setting when it cannot be read. */
function readSetting(setting: string, file: string): string {
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

/** A PEM file of certificates (CA or client certificate); ConfigError when it holds none. */
function readCertificates(setting: string, file: string): string {
  const text = readSetting(setting, file);
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ConfigError(
      `${setting}=${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  }
  return text;
}

/** A PEM private key file (unencrypted); ConfigError naming the setting otherwise. */
function readPrivateKey(setting: string, file: string): string {
  const text = readSetting(setting, file);
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw new ConfigError(
      `${setting}=${file} holds an encrypted key; give it unencrypted and protect the file (mode 0600)`,
    );
  }
  if (!/-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(text)) {
    throw new ConfigError(
      `${setting}=${file} holds no PEM private key (-----BEGIN PRIVATE KEY-----)`,
    );
  }
  return text;
}

// --- Kafka ------------------------------------------------------------------------------------

const PROTOCOLS: readonly KafkaProtocol[] = ["PLAINTEXT", "SSL", "SASL_SSL"];
const MECHANISMS: readonly SaslMechanism[] = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

/** No TLS, no login: the local broker of `deno task up`. */
export const PLAINTEXT_KAFKA: KafkaSecurity = { protocol: "PLAINTEXT" };

/**
 * Kafka's security settings. Each is an environment variable and a flag, except the password,
 * which is never a flag: KAFKA_PASSWORD_FILE (or KAFKA_PASSWORD).
 */
export function loadKafkaSecurity(env: Source, flags: Source = {}): KafkaSecurity {
  const setting = (name: string, flag: string) => {
    const value = flags[flag] ?? env[name];
    if (value !== undefined && value.trim() === "") {
      throw new ConfigError(`${name} is empty; unset it or give a value`);
    }
    return value?.trim();
  };
  const protocolText = setting("KAFKA_SECURITY_PROTOCOL", "kafka-security-protocol") ?? "PLAINTEXT";
  const protocol = protocolText.toUpperCase() as KafkaProtocol;
  if (protocol === "SASL_PLAINTEXT" as KafkaProtocol) {
    throw new ConfigError(
      "KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT is not supported: the login and the data would cross " +
        "the network unencrypted; use SASL_SSL",
    );
  }
  if (!PROTOCOLS.includes(protocol)) {
    throw new ConfigError(
      `KAFKA_SECURITY_PROTOCOL takes ${PROTOCOLS.join(", ")}, got "${protocolText}"`,
    );
  }
  const mechanismText = setting("KAFKA_SASL_MECHANISM", "kafka-sasl-mechanism");
  const username = setting("KAFKA_USERNAME", "kafka-username");
  const password = secretSetting("KAFKA_PASSWORD", env, flags["kafka-password-file"]);
  const caFile = setting("KAFKA_CA_FILE", "kafka-ca-file");
  const certFile = setting("KAFKA_CERT_FILE", "kafka-cert-file");
  const keyFile = setting("KAFKA_KEY_FILE", "kafka-key-file");

  const needs = (name: string, what: string, wanted: string) =>
    new ConfigError(
      `${name} is set but KAFKA_SECURITY_PROTOCOL is ${protocol}, so ${what}; ` +
        `set KAFKA_SECURITY_PROTOCOL=${wanted}`,
    );
  if (protocol !== "SASL_SSL") {
    for (
      const [name, given] of [
        ["KAFKA_USERNAME", username],
        ["KAFKA_PASSWORD_FILE", password?.file],
        ["KAFKA_PASSWORD", password && !password.file],
        ["KAFKA_SASL_MECHANISM", mechanismText],
      ] as const
    ) {
      if (given) throw needs(name, "no login would be sent", "SASL_SSL");
    }
  }
  if (protocol === "PLAINTEXT") {
    for (
      const [name, given] of [
        ["KAFKA_CA_FILE", caFile],
        ["KAFKA_CERT_FILE", certFile],
        ["KAFKA_KEY_FILE", keyFile],
      ] as const
    ) {
      if (given) throw needs(name, "no TLS would be used", "SSL or SASL_SSL");
    }
    return PLAINTEXT_KAFKA;
  }
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new ConfigError(
      `KAFKA_CERT_FILE and KAFKA_KEY_FILE go together (a client certificate and its key); ` +
        `${certFile ? "KAFKA_KEY_FILE" : "KAFKA_CERT_FILE"} is missing`,
    );
  }
  const security: KafkaSecurity = {
    protocol,
    tls: {
      caFile,
      ca: caFile && readCertificates("KAFKA_CA_FILE", caFile),
      certFile,
      cert: certFile && readCertificates("KAFKA_CERT_FILE", certFile),
      keyFile,
      key: keyFile && readPrivateKey("KAFKA_KEY_FILE", keyFile),
    },
  };
  if (protocol === "SSL") return security;

  const mechanism = (mechanismText ?? "SCRAM-SHA-512").toUpperCase() as SaslMechanism;
  if (!MECHANISMS.includes(mechanism)) {
    throw new ConfigError(
      `KAFKA_SASL_MECHANISM takes ${MECHANISMS.join(", ")}, got "${mechanismText}"`,
    );
  }
  if (!username) {
    throw new ConfigError("KAFKA_SECURITY_PROTOCOL=SASL_SSL needs KAFKA_USERNAME (the login)");
  }
  if (!/^[\x21-\x7e]+$/.test(username) || /["\\]/.test(username)) {
    throw new ConfigError(
      "KAFKA_USERNAME must be printable ASCII without spaces, quotes or backslashes",
    );
  }
  if (!password) {
    throw new ConfigError(
      "KAFKA_SECURITY_PROTOCOL=SASL_SSL needs the password in KAFKA_PASSWORD_FILE (or KAFKA_PASSWORD)",
    );
  }
  const secret = password.value;
  return {
    ...security,
    sasl: { mechanism, username, password: () => secret, passwordFile: password.file },
  };
}

// --- PostgreSQL -------------------------------------------------------------------------------

/** The same server and database as `url`, logged in as `role` (no password in the URL). */
export function roleUrl(url: string, role: "sales_reader" | "sales_writer"): string {
  const u = new URL(url);
  u.username = role;
  u.password = "";
  return u.toString();
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

/** Checks a postgres:// URL named by `setting`; messages never show its password. */
function databaseUrlOf(setting: string, url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL("invalid:");
  }
  if (!/^postgres(ql)?:$/.test(parsed.protocol)) {
    throw new ConfigError(`${setting} must start with postgres://, got "${shownUrl(url)}"`);
  }
  if (parsed.searchParams.has("sslrootcert")) {
    throw new ConfigError(
      `${setting} has sslrootcert, which the PostgreSQL client ignores: remove it and set DATABASE_CA_FILE`,
    );
  }
  return url;
}

/** The owner's, the consumer's and the dashboard's logins from DATABASE_URL and its companions. */
function loadDatabaseLogins(databaseUrl: string, env: Source): DatabaseLogins {
  const caFile = env.DATABASE_CA_FILE || undefined;
  if (caFile) readCertificates("DATABASE_CA_FILE", caFile);
  const login = (
    urlSetting: string,
    passwordSetting: string,
    fallback: () => string,
  ): DatabaseLogin => {
    const given = urlSetting === "DATABASE_URL" ? undefined : env[urlSetting] || undefined;
    const url = databaseUrlOf(urlSetting, given ?? fallback());
    const passwordFile = env[passwordSetting] || undefined;
    if (passwordFile) {
      readSecretFile(passwordSetting, passwordFile); // fail now, not at the first connection
      if (new URL(url).password) {
        throw new ConfigError(
          `${urlSetting} holds a password and ${passwordSetting} is set; use one`,
        );
      }
    }
    return {
      url,
      urlSetting: given || urlSetting === "DATABASE_URL"
        ? urlSetting
        : `${urlSetting} (default: DATABASE_URL as its role)`,
      passwordFile,
      passwordSetting,
      caFile,
    };
  };
  return {
    owner: login("DATABASE_URL", "DATABASE_PASSWORD_FILE", () => databaseUrl),
    consumer: login(
      "CONSUMER_DATABASE_URL",
      "CONSUMER_DATABASE_PASSWORD_FILE",
      () => roleUrl(databaseUrl, "sales_writer"),
    ),
    dashboard: login(
      "DASHBOARD_DATABASE_URL",
      "DASHBOARD_DATABASE_PASSWORD_FILE",
      () => roleUrl(databaseUrl, "sales_reader"),
    ),
  };
}

/** Help text for the settings every task shares. */
export const SETTINGS_HELP = `Settings (environment variable, or flag):
  KAFKA_BROKERS     --brokers       Kafka bootstrap servers (default ${DEFAULTS.KAFKA_BROKERS})
  DATABASE_URL      --database-url  PostgreSQL URL; the database is created when missing
                                    (default ${DEFAULTS.DATABASE_URL})
  SALES_TOPIC       --topic         topic of sales records (default ${DEFAULTS.SALES_TOPIC})
  SALES_PARTITIONS  --partitions    partitions when the topic is created (default ${DEFAULTS.SALES_PARTITIONS})
  CONSUMER_GROUP    --group         consumer group id (default ${DEFAULTS.CONSUMER_GROUP})
  HOST, PORT        --host, --port  dashboard address (default ${DEFAULTS.HOST}:${DEFAULTS.PORT})
Kafka security (default: PLAINTEXT, no login):
  KAFKA_SECURITY_PROTOCOL  --kafka-security-protocol  PLAINTEXT, SSL or SASL_SSL
  KAFKA_SASL_MECHANISM     --kafka-sasl-mechanism     SCRAM-SHA-512 (default), SCRAM-SHA-256 or PLAIN
  KAFKA_USERNAME           --kafka-username           the SASL login
  KAFKA_PASSWORD_FILE      --kafka-password-file      file holding its password (or KAFKA_PASSWORD;
                                                      never a flag)
  KAFKA_CA_FILE            --kafka-ca-file            PEM CA of the brokers (default: system roots)
  KAFKA_CERT_FILE, KAFKA_KEY_FILE  --kafka-cert-file, --kafka-key-file  client certificate (PEM)
PostgreSQL logins (passwords only from files):
  DATABASE_PASSWORD_FILE            the owner's password (DATABASE_URL: migrations, \`deno task up\`)
  CONSUMER_DATABASE_URL, CONSUMER_DATABASE_PASSWORD_FILE    the consumer (role sales_writer)
  DASHBOARD_DATABASE_URL, DASHBOARD_DATABASE_PASSWORD_FILE  the dashboard (role sales_reader)
  DATABASE_CA_FILE                  PEM CA: TLS with certificate and host name checks (verify-full)`;
