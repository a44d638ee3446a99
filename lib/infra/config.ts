/** Typed configuration read once from the environment and command-line flags. */

/** Settings shared by every entrypoint. */
export interface Config {
  kafkaBrokers: string[];
  databaseUrl: string;
  salesTopic: string;
  host: string;
  port: number;
  partitions: number;
  groupId: string;
  /** the consumer's least-privileged connection (default: DATABASE_URL as role sales_writer) */
  consumerDatabaseUrl?: string;
  /** the dashboard's read-only connection (default: DATABASE_URL as role sales_reader) */
  dashboardDatabaseUrl?: string;
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

type Source = Record<string, string | undefined>;

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
  const databaseUrl = get("DATABASE_URL", "database-url");
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres://, got "${databaseUrl}"`);
  }
  return {
    kafkaBrokers,
    databaseUrl,
    salesTopic: get("SALES_TOPIC", "topic"),
    host: get("HOST", "host"),
    port: positiveInt("PORT", get("PORT", "port")),
    partitions: positiveInt("SALES_PARTITIONS", get("SALES_PARTITIONS", "partitions")),
    groupId: get("CONSUMER_GROUP", "group"),
    consumerDatabaseUrl: env.CONSUMER_DATABASE_URL || undefined,
    dashboardDatabaseUrl: env.DASHBOARD_DATABASE_URL || undefined,
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

/** Help text for the settings every task shares. */
export const SETTINGS_HELP = `Settings (environment variable, or flag):
  KAFKA_BROKERS     --brokers       Kafka bootstrap servers (default ${DEFAULTS.KAFKA_BROKERS})
  DATABASE_URL      --database-url  PostgreSQL URL; the database is created when missing
                                    (default ${DEFAULTS.DATABASE_URL})
  SALES_TOPIC       --topic         topic of sales records (default ${DEFAULTS.SALES_TOPIC})
  SALES_PARTITIONS  --partitions    partitions when the topic is created (default ${DEFAULTS.SALES_PARTITIONS})
  CONSUMER_GROUP    --group         consumer group id (default ${DEFAULTS.CONSUMER_GROUP})
  HOST, PORT        --host, --port  dashboard address (default ${DEFAULTS.HOST}:${DEFAULTS.PORT})`;
