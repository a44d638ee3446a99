/**
 * Kafka clients for this project: the factories (with the TLS and SASL settings), what their logs
 * say about refusals, topic creation, and a broker health check.
 */
import {
  type Admin,
  Kafka,
  type KafkaConfig,
  logLevel,
  Partitioners,
  type Producer,
  type SASLOptions,
} from "kafkajs";
import process from "node:process";
import { type KafkaSecurity, PLAINTEXT_KAFKA } from "./config.ts";
import { logger } from "./log.ts";
// Every client made here (and every kafkajs client of the process) reads and writes gzip, snappy,
// LZ4 and zstd batches; an undecodable batch becomes marker records instead of a failed fetch.
import "./kafka_codecs.ts";
// Nor does any of them wake up every millisecond to look at an empty request queue.
import "./kafka_request_queue.ts";

/**
 * Silences Node's TimeoutNegativeWarning, which kafkajs' request queue raised by scheduling timers
 * with a negative delay (stopped at the source by kafka_request_queue.ts; this stays as a guard,
 * e.g. for a kafkajs whose code that fix does not recognise); every other process warning is still
 * printed. Called once by each entrypoint that uses Kafka; it replaces the process' warning
 * listeners.
 */
export function quietKafkaTimerWarnings(): void {
  process.removeAllListeners("warning");
  process.on("warning", (warning) => {
    if (warning.name !== "TimeoutNegativeWarning") {
      console.error(`${warning.name}: ${warning.message}`);
    }
  });
}

/** kafkajs' `ssl` and `sasl` options for the settings (none for PLAINTEXT). */
export function kafkajsSecurity(security: KafkaSecurity): Pick<KafkaConfig, "ssl" | "sasl"> {
  if (security.protocol === "PLAINTEXT") return {};
  const tls = security.tls ?? {};
  const options: Pick<KafkaConfig, "ssl" | "sasl"> = {
    // Certificate and host name checks stay on; without a CA the system's roots are used.
    ssl: {
      rejectUnauthorized: true,
      ...(tls.ca ? { ca: [tls.ca] } : {}),
      ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
    },
  };
  if (security.sasl) {
    const { mechanism, username, password } = security.sasl;
    options.sasl = {
      mechanism: mechanism.toLowerCase(),
      username,
      password: password(),
    } as SASLOptions;
  }
  return options;
}

/** The broker's last refusal that kafkajs only logged, and when. */
let lastRefusal: { at: number; text: string } | undefined;

/**
 * Keeps a refusal from a kafkajs log entry. kafkajs throws only "Failed to find group coordinator"
 * when the broker refuses a consumer group or a transactional id; the reason ("Not authorized to
 * access group") is in its Connection log line, which the project's log creators pass here.
 */
export function noteKafkaLog(namespace: string, message: string, error?: string): void {
  if (namespace === "Connection" && error && /not authorized|authorization failed/i.test(error)) {
    lastRefusal = { at: Date.now(), text: `${message}: ${error}` };
  }
}

/** The refusal noteKafkaLog kept, when it is younger than `maxAgeMs`. */
export function lastBrokerRefusal(maxAgeMs: number): string | undefined {
  return lastRefusal && Date.now() - lastRefusal.at < maxAgeMs ? lastRefusal.text : undefined;
}

/** True for a kafkajs log line about a refused login or action: the error thrown explains it. */
function isRefusalLog(text: string): boolean {
  return /authentication failed|not authorized|authorization failed/i.test(text);
}

/** Options of `createKafka`. */
export interface KafkaOptions {
  /**
   * When set, the caller bounds connecting with `reachKafka` and reports an unreachable broker in
   * one line itself: kafkajs' "Failed to connect to seed broker" retry lines are not printed.
   */
  connectTimeoutMs?: number;
  /** TLS and SASL (default: PLAINTEXT, no login) */
  security?: KafkaSecurity;
  /**
   * With connectTimeoutMs: tell each try to reach a broker that failed in one line of information
   * with the time of the next try (a long-running process waiting for Kafka), instead of nothing.
   */
  tellRetries?: boolean;
}

/** Creates a kafkajs client that logs only warnings and errors, as one line each, to stderr. */
export function createKafka(
  brokers: string[],
  clientId: string,
  options: KafkaOptions = {},
): Kafka {
  const quietSeedRetries = options.connectTimeoutMs !== undefined;
  return new Kafka({
    clientId,
    brokers,
    ...kafkajsSecurity(options.security ?? PLAINTEXT_KAFKA),
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 300, retries: 8 },
    logCreator: () => ({ namespace, label, log }) => {
      const { message, error } = log as { message: string; error?: string };
      noteKafkaLog(namespace, message, error);
      // Connection-level errors are retried by kafkajs; a failure that matters surfaces as a throw,
      // and so does a refused login or action (explained by explainKafkaError).
      if (namespace === "Connection" || isRefusalLog(`${message} ${error}`)) return;
      if (quietSeedRetries && namespace === "BrokerPool") {
        const { retryTime } = log as { retryTime?: number };
        if (options.tellRetries && typeof retryTime === "number") {
          const reason = message.replace(/^Failed to connect to seed broker, [^:]*: /, "");
          const at = new Date(Date.now() + retryTime).toISOString();
          kafkaLog.info(
            `Kafka at ${brokers.join(",")} does not answer (${reason}); trying again at ${at} ` +
              `(in ${Math.round(retryTime)} ms)`,
            { retry_at: at },
          );
        }
        return;
      }
      // CONCURRENT_TRANSACTIONS: the coordinator is still finishing the previous transaction;
      // kafkajs retries the send, and a send that finally fails aborts the batch with a throw.
      if (/another concurrent operation on the same transaction/.test(`${message} ${error}`)) {
        return;
      }
      kafkaLine(namespace, label, message, error);
    },
  });
}

/** The lines of kafkajs' clients (logger `sales.kafka`). */
const kafkaLog = logger("kafka");

/** States that are normal while a broker or a consumer group starts: waited out, told once. */
const STARTING_STATE =
  /coordinator is (loading|not available)|not the correct coordinator|GroupCoordinatorNotFound|no leader for this topic-partition|leadership election/i;

/** The last consumer crash kafkajs logged, told with the restart that follows it. */
let lastCrash: string | undefined;
/** Whether the starting states were told already. */
let toldStarting = false;
/** When a consumer's crash was told and it has not joined its group since. */
let crashedSince: number | undefined;

/** A consumer joined its group: after a crash it told, says once that Kafka answers again. */
export function kafkaConsumerJoined(): void {
  if (crashedSince === undefined) return;
  const seconds = ((Date.now() - crashedSince) / 1000).toFixed(1);
  crashedSince = undefined;
  kafkaLog.info(`Kafka answers again; the consumer rejoined its group after ${seconds} s`);
}

/**
 * One kafkajs log entry as the project tells it: a consumer's crash and restart as one line with
 * the next try's time (a broker's or group's start once, as information); others at their level.
 */
function kafkaLine(namespace: string, label: string, message: string, error?: string) {
  const text = `${message}${error ? `: ${error}` : ""}`;
  if (namespace === "Consumer" && message.startsWith("Crash: ")) {
    lastCrash = text.slice("Crash: ".length).split("\n")[0];
    return; // told with the restart below, or by the consumer when it does not restart
  }
  const restart = /^Restarting the consumer in (\d+)ms/.exec(message);
  if (namespace === "Consumer" && restart) {
    const crash = lastCrash ?? "an error";
    lastCrash = undefined;
    if (STARTING_STATE.test(crash)) {
      if (!toldStarting) {
        kafkaLog.info(
          `Kafka's group coordinator is still starting (${crash}); waiting for it`,
          { namespace },
        );
      }
      toldStarting = true;
      return;
    }
    const ms = Number(restart[1]);
    crashedSince ??= Date.now();
    const at = new Date(Date.now() + ms).toISOString();
    kafkaLog.warn(`Kafka consumer stopped (${crash}); trying again at ${at} (in ${ms} ms)`, {
      namespace,
      retry_at: at,
    });
    return;
  }
  if (STARTING_STATE.test(text)) {
    if (!toldStarting) kafkaLog.info(`Kafka is still starting (${text}); waiting for it`);
    toldStarting = true;
    return;
  }
  const line = `kafka ${label.toLowerCase()} [${namespace}] ${text}`;
  if (label === "ERROR" || label === "NOTHING") kafkaLog.error(line, { namespace });
  else kafkaLog.warn(line, { namespace });
}

/** Thrown when no broker answers in time; the message names the brokers and the wait. */
export class KafkaUnreachableError extends Error {
  override name = "KafkaUnreachableError";
}

/**
 * Runs `connect` (connecting clients, creating a topic, reading metadata) and fails with
 * KafkaUnreachableError when it has not finished within `timeoutMs` or fails on the connection
 * itself. Other errors (a refused topic, say) are thrown as they are.
 */
export async function reachKafka<T>(
  brokers: string[],
  timeoutMs: number,
  connect: () => Promise<T>,
): Promise<T> {
  const where = `Kafka at ${brokers.join(",")}`;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new KafkaUnreachableError(`${where} did not answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([connect(), timeout]);
  } catch (error) {
    if (error instanceof KafkaUnreachableError || !isConnectionError(error)) throw error;
    throw new KafkaUnreachableError(`${where} cannot be reached (${connectionCause(error)})`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A kafkajs error and the errors it wraps ("retries exceeded" keeps the last one as `cause`, an
 * aggregate error such as createTopics' its first in `errors`).
 */
export function errorChain(error: unknown): KafkaErrorLink[] {
  const chain: KafkaErrorLink[] = [];
  const visit = (start: unknown) => {
    for (
      let e = start as KafkaErrorLink | undefined;
      e && typeof e === "object" && !chain.includes(e) && chain.length < 20;
    ) {
      chain.push(e);
      if (Array.isArray(e.errors) && e.errors.length > 0) visit(e.errors[0]);
      e = (e.cause ?? e.originalError) as KafkaErrorLink | undefined;
    }
  };
  visit(error);
  return chain;
}

/** The fields of a kafkajs error that tell what went wrong, and what it wraps. */
interface KafkaErrorLink {
  name?: string;
  type?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown[];
}

/** A kafkajs error about reaching the broker (possibly wrapped in "retries exceeded"). */
function isConnectionError(error: unknown): boolean {
  return errorChain(error).some((e) =>
    e.name === "KafkaJSConnectionError" || e.name === "KafkaJSConnectionClosedError"
  );
}

/** The innermost message of a wrapped kafkajs error. */
function connectionCause(error: unknown): string {
  return errorChain(error).at(-1)?.message ?? String(error);
}

/**
 * A client for the dashboard: short timeouts and one retry, so Kafka's state turns "unknown" fast.
 * It prints nothing; the broker's refusals are kept to explain them.
 */
export function createDashboardKafka(
  brokers: string[],
  security: KafkaSecurity = PLAINTEXT_KAFKA,
): Kafka {
  return new Kafka({
    clientId: "sales-dashboard",
    brokers,
    ...kafkajsSecurity(security),
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 },
    logLevel: logLevel.ERROR,
    logCreator: () => ({ namespace, log }) => {
      const { message, error } = log as { message: string; error?: string };
      noteKafkaLog(namespace, message, error);
    },
  });
}

/** An idempotent producer: retries until delivered (never duplicates), murmur2 partitioning by key. */
export function idempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
  });
}

/**
 * The replication of a new topic on a cluster of n brokers: factor min(3, n), and with 3 copies
 * `min.insync.replicas` 2, so an acks=all write survives the loss of any one broker.
 */
function topicReplication(brokerCount: number) {
  const replicationFactor = Math.max(1, Math.min(3, brokerCount));
  const config: Record<string, string> = replicationFactor >= 3
    ? { "min.insync.replicas": "2" }
    : {};
  return { replicationFactor, config };
}

/**
 * Creates the topic (partitions, topic configs) when it does not exist, replicated as
 * topicReplication() says for the brokers in the cluster; returns true if created.
 */
export async function ensureTopic(
  kafka: Kafka,
  topic: string,
  partitions: number,
  config: Record<string, string> = {},
): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (existing.includes(topic)) return false;
    const brokerCount = (await admin.describeCluster()).brokers.length;
    const replication = topicReplication(brokerCount);
    const created = await admin.createTopics({
      waitForLeaders: false,
      topics: [{
        topic,
        numPartitions: partitions,
        replicationFactor: replication.replicationFactor,
        configEntries: Object.entries({ ...replication.config, ...config })
          .map(([name, value]) => ({ name, value })),
      }],
    });
    await waitUntilServed(admin, topic, partitions, brokerCount);
    return created;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Waits until a new topic is served: every partition has a leader that answers for it, and the
 * brokers asked at random (3 times per broker in a row) all know it. kafkajs' own wait for leaders
 * gave up with UNKNOWN_TOPIC_OR_PARTITION when a broker of a fresh 3-node 3.9.1 cluster had not
 * heard of the topic yet, and so did a metadata request right after it.
 */
async function waitUntilServed(
  admin: Admin,
  topic: string,
  partitions: number,
  brokerCount: number,
) {
  const end = Date.now() + 30_000;
  let inARow = 0;
  while (inARow < 3 * brokerCount) {
    const served = await admin.fetchTopicMetadata({ topics: [topic] }).then(
      async ({ topics }) =>
        topics[0]!.partitions.length === partitions &&
        topics[0]!.partitions.every((p) => p.leader >= 0) &&
        (inARow > 0 || (await admin.fetchTopicOffsets(topic)).length === partitions),
    ).catch((error) => {
      if (Date.now() > end) throw error;
      return false;
    });
    inARow = served ? inARow + 1 : 0;
    if (Date.now() > end) throw new Error(`${topic} was not served by every broker within 30 s`);
    if (!served) await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The dead-letter topic for a topic of sales. */
export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** True when a TCP connection to the first broker opens within the timeout. */
export async function brokerAnswers(brokers: string[], timeoutMs = 2000): Promise<boolean> {
  const [host, port] = (brokers[0] ?? "").split(":");
  if (!host || !port) return false;
  const attempt = Deno.connect({ hostname: host, port: Number(port) }).then((conn) => {
    conn.close();
    return true;
  }, () => false);
  const timeout = new Promise<boolean>((resolve) => {
    const id = setTimeout(() => resolve(false), timeoutMs);
    attempt.finally(() => clearTimeout(id));
  });
  return await Promise.race([attempt, timeout]);
}
