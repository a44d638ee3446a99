/**
 * The typed settings a task is given: the values of the settings it reads (declared in
 * settings.ts), with Kafka's security settings and the PostgreSQL logins assembled and checked
 * against each other. Parsed once, at start, and passed down.
 */
import {
  ConfigError,
  type KafkaProtocol,
  type KeysOf,
  keysOf,
  processEnvironment,
  readSettingFile,
  readSettings,
  type SaslMechanism,
  SETTING_KEYS,
  type SettingKey,
  type Settings,
  type Source,
  type Task,
} from "./settings.ts";

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

/** Where a task reaches Kafka: its brokers and its security settings. */
export interface KafkaSettings {
  kafkaBrokers: string[];
  kafkaSecurity: KafkaSecurity;
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

/** The settings `kafkaSecurity` is assembled from (read by the same tasks). */
const KAFKA_SECURITY_KEYS = [
  "kafkaSecurityProtocol",
  "kafkaSaslMechanism",
  "kafkaUsername",
  "kafkaPassword",
  "kafkaCaFile",
  "kafkaCertFile",
  "kafkaKeyFile",
] as const satisfies readonly SettingKey[];

/** The settings `database` is assembled from, beside DATABASE_URL. */
const DATABASE_LOGIN_KEYS = [
  "databasePasswordFile",
  "databaseCaFile",
  "consumerDatabaseUrl",
  "consumerDatabasePasswordFile",
  "dashboardDatabaseUrl",
  "dashboardDatabasePasswordFile",
] as const satisfies readonly SettingKey[];

type KafkaSecurityKey = (typeof KAFKA_SECURITY_KEYS)[number];
type DatabaseLoginKey = (typeof DATABASE_LOGIN_KEYS)[number];

/** The logins a task reads: the owner's, and the consumer's and the dashboard's when it reads them. */
type LoginsOf<T extends Task> = Pick<
  DatabaseLogins,
  | "owner"
  | ("consumerDatabaseUrl" extends KeysOf<T> ? "consumer" : never)
  | ("dashboardDatabaseUrl" extends KeysOf<T> ? "dashboard" : never)
>;

/**
 * A task's settings: the value of each setting it reads, by its name in SETTINGS, except that
 * Kafka's security settings come as `kafkaSecurity` and the PostgreSQL logins as `database`.
 */
export type TaskConfig<T extends Task> =
  & Omit<Settings<KeysOf<T>>, KafkaSecurityKey | DatabaseLoginKey>
  & ("kafkaSecurityProtocol" extends KeysOf<T> ? { kafkaSecurity: KafkaSecurity } : unknown)
  & ("databasePasswordFile" extends KeysOf<T> ? { database: LoginsOf<T> } : unknown);

/** Every setting of every task (tests and tools). */
export type Config = TaskConfig<Task>;

/** The settings `keys` from the environment and flags, with the security and logins assembled. */
function assemble(keys: readonly SettingKey[], env: Source, flags: Source): unknown {
  const values = readSettings(keys, env, flags) as Record<string, unknown>;
  const composed = new Set<string>([...KAFKA_SECURITY_KEYS, ...DATABASE_LOGIN_KEYS]);
  const config = Object.fromEntries(Object.entries(values).filter(([key]) => !composed.has(key)));
  if (keys.includes("kafkaSecurityProtocol")) {
    config.kafkaSecurity = kafkaSecurityOf(values as Settings<KafkaSecurityKey>);
  }
  if (keys.includes("databasePasswordFile")) {
    config.database = databaseLoginsOf(
      values as Settings<"databaseUrl" | DatabaseLoginKey>,
      keys.includes("consumerDatabaseUrl"),
      keys.includes("dashboardDatabaseUrl"),
    );
  }
  return config;
}

/** The settings `task` reads, from the environment and flags (by name without `--`). */
export function loadTaskConfig<T extends Task>(
  task: T,
  env: Source,
  flags: Source = {},
): TaskConfig<T> {
  return assemble(keysOf(task), env, flags) as TaskConfig<T>;
}

/** Every setting, from the environment variables overridden by the given flag values. */
export function loadConfig(env: Source = processEnvironment(), flags: Source = {}): Config {
  return assemble(SETTING_KEYS, env, flags) as Config;
}

// --- Kafka ------------------------------------------------------------------------------------

/** A PEM file of certificates (CA or client certificate); ConfigError when it holds none. */
function readCertificates(setting: string, file: string): string {
  const text = readSettingFile(setting, file);
  if (!text.includes("-----BEGIN CERTIFICATE-----")) {
    throw new ConfigError(
      `${setting}=${file} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  }
  return text;
}

/** A PEM private key file (unencrypted); ConfigError naming the setting otherwise. */
function readPrivateKey(setting: string, file: string): string {
  const text = readSettingFile(setting, file);
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

/** No TLS, no login: the local broker of `deno task up`. */
export const PLAINTEXT_KAFKA: KafkaSecurity = { protocol: "PLAINTEXT" };

/**
 * Kafka's security settings from their environment variables and flags (the password is never a
 * flag: KAFKA_PASSWORD_FILE, or KAFKA_PASSWORD).
 */
export function loadKafkaSecurity(env: Source, flags: Source = {}): KafkaSecurity {
  return kafkaSecurityOf(readSettings(KAFKA_SECURITY_KEYS, env, flags));
}

/** Kafka's security from its settings, each checked against the protocol; reads the PEM files. */
function kafkaSecurityOf(settings: Settings<KafkaSecurityKey>): KafkaSecurity {
  const {
    kafkaSecurityProtocol: protocol,
    kafkaSaslMechanism: mechanism,
    kafkaUsername: username,
    kafkaPassword: password,
    kafkaCaFile: caFile,
    kafkaCertFile: certFile,
    kafkaKeyFile: keyFile,
  } = settings;
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
        ["KAFKA_SASL_MECHANISM", mechanism],
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
  if (!username) {
    throw new ConfigError("KAFKA_SECURITY_PROTOCOL=SASL_SSL needs KAFKA_USERNAME (the login)");
  }
  if (!password) {
    throw new ConfigError(
      "KAFKA_SECURITY_PROTOCOL=SASL_SSL needs the password in KAFKA_PASSWORD_FILE (or KAFKA_PASSWORD)",
    );
  }
  return {
    ...security,
    sasl: {
      mechanism: mechanism ?? "SCRAM-SHA-512",
      username,
      password: password.value,
      passwordFile: password.file,
    },
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

/**
 * The owner's login from DATABASE_URL and its companions, and the consumer's and the dashboard's
 * when asked for (their own URLs, else DATABASE_URL as their roles).
 */
function databaseLoginsOf(
  settings: Settings<"databaseUrl" | DatabaseLoginKey>,
  withConsumer: boolean,
  withDashboard: boolean,
): Partial<DatabaseLogins> {
  const { databaseUrl, databaseCaFile: caFile } = settings;
  if (caFile) readCertificates("DATABASE_CA_FILE", caFile);
  const login = (
    urlSetting: string,
    given: string | undefined,
    passwordSetting: string,
    passwordFile: string | undefined,
    fallback: () => string,
  ): DatabaseLogin => {
    const url = given ?? fallback();
    if (passwordFile && new URL(url).password) {
      throw new ConfigError(
        `${urlSetting} holds a password and ${passwordSetting} is set; use one`,
      );
    }
    return {
      url,
      urlSetting: given !== undefined
        ? urlSetting
        : `${urlSetting} (default: DATABASE_URL as its role)`,
      passwordFile,
      passwordSetting,
      caFile,
    };
  };
  return {
    owner: login(
      "DATABASE_URL",
      databaseUrl,
      "DATABASE_PASSWORD_FILE",
      settings.databasePasswordFile,
      () => databaseUrl,
    ),
    ...withConsumer
      ? {
        consumer: login(
          "CONSUMER_DATABASE_URL",
          settings.consumerDatabaseUrl,
          "CONSUMER_DATABASE_PASSWORD_FILE",
          settings.consumerDatabasePasswordFile,
          () => roleUrl(databaseUrl, "sales_writer"),
        ),
      }
      : {},
    ...withDashboard
      ? {
        dashboard: login(
          "DASHBOARD_DATABASE_URL",
          settings.dashboardDatabaseUrl,
          "DASHBOARD_DATABASE_PASSWORD_FILE",
          settings.dashboardDatabasePasswordFile,
          () => roleUrl(databaseUrl, "sales_reader"),
        ),
      }
      : {},
  };
}
