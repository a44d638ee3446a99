/** `deno task consume`: reads sales from Kafka into PostgreSQL until SIGINT/SIGTERM. */
import { failureReason, parseCli } from "./lib/infra/cli.ts";
import { connectLogin, databaseError, renewingClient, type Sql } from "./lib/infra/db.ts";
import {
  createDashboardKafka,
  createKafka,
  ensureTopic,
  KafkaUnreachableError,
  quietKafkaTimerWarnings,
  reachKafka,
} from "./lib/infra/kafka.ts";
import { verifyKafkaTls } from "./lib/infra/kafka_security.ts";
import { connectService } from "./lib/infra/migrate.ts";
import { cardHashSecret, cardHashSecretSource } from "./lib/infra/secret.ts";
import { ConfigError, positiveInt } from "./lib/infra/settings.ts";
import { claimCardHashKey } from "./lib/store/card_hash_key.ts";
import { type RunningConsumer, startConsumer } from "./lib/consume/runner.ts";
import { postgresTimeouts } from "./lib/consume/session.ts";
import { configureLogging, logger } from "./lib/infra/log.ts";
import { consumerMetrics } from "./lib/consume/metrics.ts";
import { kafkaEndOffsets } from "./lib/consume/lag.ts";
import { createRegistry, type MetricsServer, serveMetrics } from "./lib/infra/metrics_server.ts";

const USAGE = `Usage: deno task consume [--concurrency N] [--session-timeout S] [--quiet]

Consumes SALES_TOPIC as group CONSUMER_GROUP. For each batch and partition, one PostgreSQL
transaction upserts categories, products and customers, inserts new sales (a re-delivered
sale_id counts once), updates every aggregate and stores the partition's next offset.
Bad messages go to <topic>.dlq with the reason. Batches may be gzip, snappy, lz4 or zstd; one it
cannot decode pauses its partition alone (logged once, shown on the dashboard) until
\`deno task unstick\` skips it. While PostgreSQL does not answer it waits and resumes from the
offsets stored there. A sale is filed under its record's Kafka timestamp unless that is more than
CONSUMER_CLOCK_TOLERANCE ahead of this machine's clock or before 2000-01-01: then under the time
it was read (counted). SIGINT/SIGTERM finish the batch, then exit 0 (within the session timeout,
even when Kafka or PostgreSQL does not answer); also during start-up.
Exit status: 0 stopped by SIGINT/SIGTERM; 1 Kafka or PostgreSQL unreachable or refusing at start,
or kafkajs gave up; 2 bad settings.
  --concurrency N   partitions processed at the same time (default 2)
  --quiet           no line per batch

Operations: /metrics (Prometheus), /healthz and /readyz on METRICS_HOST:METRICS_PORT
(127.0.0.1:9464; 0: none).`;

/** The consumer's log lines (LOG_FORMAT: text or json). */
const log = logger("consumer");

/** postgres.js' wait before a connection that dropped connects again, in seconds. */
const RECONNECT_WAIT_S = 0.25;

/** Thrown into the start-up when SIGINT or SIGTERM arrives before the consumer runs. */
class StopRequested extends Error {
  override name = "StopRequested";
}

if (import.meta.main) {
  const { config, values, options } = parseCli("consume", USAGE, {
    concurrency: { type: "string" },
    quiet: { type: "boolean" },
  }, (v) => ({
    concurrency: positiveInt("--concurrency", (v.concurrency as string | undefined) ?? "2"),
  }));
  const { concurrency } = options;
  configureLogging(config.logFormat);
  const sessionTimeout = config.sessionTimeoutMs;
  quietKafkaTimerWarnings();
  const what = `consume ${config.salesTopic} as group ${config.groupId}`;
  const login = config.database.consumer;

  // A stop asked for at any time ends the process within the session timeout (by then Kafka has
  // given the partitions to another member and PostgreSQL has rolled back what was left open).
  let signalled: string | undefined;
  let stopBy = Infinity;
  const remainingMs = () => Math.max(0, stopBy - performance.now());
  let requestStop = (_signal: string) => {};
  const stopRequested = new Promise<never>((_, reject) => {
    requestStop = (signal) => reject(new StopRequested(signal));
  });
  stopRequested.catch(() => {});
  let sql: Sql | undefined;
  let starting: Promise<RunningConsumer> | undefined;
  let running: RunningConsumer | undefined;
  let shuttingDown = false;
  let closeEndOffsets = () => Promise.resolve();
  const stopRunning = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    void shutdown(running!, sql!, signal, remainingMs, async () => {
      await closeEndOffsets();
      await metricsServer?.close();
    });
  };
  const onSignal = (signal: string) => {
    if (signalled) return;
    signalled = signal;
    stopBy = performance.now() + Math.max(2_000, sessionTimeout - 2_000);
    if (running) stopRunning(signal);
    else requestStop(signal);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => onSignal(signal));
  }
  /** Waits for a start-up step, unless a stop is asked for first. */
  const step = <T>(work: Promise<T>): Promise<T> => Promise.race([work, stopRequested]);

  // The operations port first: a busy port is a bad setting, refused before anything is touched.
  const registry = createRegistry(true);
  let ready: ReturnType<typeof consumerMetrics> | undefined;
  let metricsServer: MetricsServer | undefined;
  if (config.metricsPort !== 0) {
    try {
      metricsServer = serveMetrics({
        hostname: config.metricsHost,
        port: config.metricsPort,
        registry,
        readiness: () => ready?.readiness() ?? Promise.resolve("starting: connecting"),
        setting: "METRICS_PORT",
      });
    } catch (error) {
      log.error((error as Error).message);
      Deno.exit(2);
    }
  }

  try {
    log.info(
      `starting: ${what} from Kafka at ${config.kafkaBrokers.join(",")} into PostgreSQL at ${
        new URL(login.url).host
      }`,
    );
    await step(verifyKafkaTls(config.kafkaBrokers, config.kafkaSecurity));
    // Writes go through sales_writer, which may insert and update only the consumer's tables.
    // A frozen consumer's transaction is rolled back within its session timeout (session.ts).
    // The consumer backs off itself while PostgreSQL does not answer (lib/consume/outage.ts);
    // postgres.js' own wait before reconnecting grows to 10-20 s and is shared by the client's
    // connections, which would hold the catch-up back well after the server answers again.
    const clientOptions = {
      max: concurrency + 2, // one more for the metrics' and readiness' queries
      connection: postgresTimeouts(sessionTimeout),
      backoff: () => RECONNECT_WAIT_S,
    };
    const first = await step(connectService(config.database, "consumer", clientOptions));
    // A session PostgreSQL closes inside a transaction (a crash, a restart, a failover) costs a
    // new client, not the process (renewingClient in lib/infra/db.ts).
    sql = renewingClient(first, () => connectLogin(login, clientOptions));
    const db = sql;
    // One key per deployment: another key's hashes would turn re-deliveries into conflicts.
    await step(
      claimCardHashKey(db, cardHashSecret(), cardHashSecretSource()).catch((error) => {
        throw error instanceof ConfigError ? error : databaseError(error, login);
      }),
    );
    const kafka = createKafka(config.kafkaBrokers, "sales-consumer", {
      security: config.kafkaSecurity,
      connectTimeoutMs: config.connectTimeoutMs,
      tellRetries: true,
    });
    await step(
      reachKafka(
        config.kafkaBrokers,
        config.connectTimeoutMs,
        () => ensureTopic(kafka, config.salesTopic, config.partitions),
      ),
    );
    // The lag and readiness read end offsets through a client with short timeouts (the
    // dashboard's), so that a Kafka that stops answering turns them unknown within seconds.
    const endOffsets = kafkaEndOffsets(
      createDashboardKafka(config.kafkaBrokers, config.kafkaSecurity),
      config.salesTopic,
    );
    closeEndOffsets = () => endOffsets.close();
    ready = consumerMetrics(registry, {
      sql: db,
      groupId: config.groupId,
      topic: config.salesTopic,
      endOffsets,
    });
    starting = startConsumer({
      observer: ready.observer,
      kafka,
      sql: db,
      topic: config.salesTopic,
      groupId: config.groupId,
      partitions: config.partitions,
      concurrency,
      sessionTimeoutMs: sessionTimeout,
      clockToleranceMs: config.clockToleranceMs,
      log: values.quiet ? () => {} : (line, fields) => log.info(line, fields),
      notice: (line, fields) => log.warn(line, fields),
      onFatal: (error) => {
        log.error(
          `consumer failed: ${
            failureReason(error, config, what)
          }; exiting so a supervisor can restart it`,
        );
        Deno.exit(1);
      },
    });
    running = await step(starting);
    ready.started();
  } catch (error) {
    if (error instanceof StopRequested) {
      // The consumer may be joining its group: let it, and leave again, within the time left.
      const joined = starting && await bounded(starting.catch(() => undefined), remainingMs());
      if (joined) await bounded(joined.stop(), remainingMs());
      await sql?.end({ timeout: 1 }).catch(() => {});
      log.info(`${error.message}: stopped during start-up`);
      Deno.exit(0);
    }
    const reason = error instanceof KafkaUnreachableError
      ? `${error.message}; start it with \`deno task up\` or check KAFKA_BROKERS (--brokers), ` +
        "or wait longer with KAFKA_CONNECT_TIMEOUT (--timeout)"
      : failureReason(error, config, what);
    log.error(`Cannot start consumer: ${reason}`);
    await sql?.end({ timeout: 1 }).catch(() => {});
    Deno.exit(error instanceof ConfigError ? 2 : 1); // a wrong card-hash key is a bad setting
  }
  log.ready(`consuming ${config.salesTopic} as group ${config.groupId}; Ctrl-C to stop`);
  if (signalled) stopRunning(signalled); // asked for just as the start-up finished
}

/**
 * Finishes the batch in hand, commits, leaves the group and exits 0; when Kafka or PostgreSQL
 * keeps that from finishing before the session timeout, exits 0 anyway: the batch was not stored,
 * and whoever gets the partition reads it again from the offset stored in PostgreSQL.
 */
async function shutdown(
  consumer: RunningConsumer,
  sql: Sql,
  signal: string,
  remainingMs: () => number,
  closeOthers: () => Promise<void>,
): Promise<never> {
  log.info(`${signal}: finishing the current batch, then stopping`);
  const finished = await bounded(consumer.stop().then(() => true), remainingMs());
  await bounded(closeOthers(), Math.min(1_000, remainingMs()));
  await bounded(sql.end({ timeout: Math.max(0, remainingMs() - 500) / 1000 }), remainingMs());
  const s = consumer.stats;
  if (!finished) {
    log.warn(
      `${signal}: Kafka or PostgreSQL did not let the consumer finish within the session ` +
        `timeout; stopping without it (the batch in hand was not stored and is read again ` +
        `from the offsets stored in PostgreSQL)`,
    );
  }
  log.info(
    `stopped: ${s.inserted} sales stored, ${s.duplicates} duplicates, ${s.rejected} rejected, ` +
      `${s.untrustedTimes.ahead + s.untrustedTimes.tooOld} filed at the time they were read`,
    {
      inserted: s.inserted,
      duplicates: s.duplicates,
      rejected: s.rejected,
      filed_at_read_time: s.untrustedTimes.ahead + s.untrustedTimes.tooOld,
    },
  );
  Deno.exit(0);
}

/** What `work` resolves to if it settles within `ms`, else undefined (it is left running). */
async function bounded<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work.catch(() => undefined),
      new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
