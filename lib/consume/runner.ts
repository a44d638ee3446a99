/**
 * The sales consumer: Kafka group -> decode -> writeBatch per partition -> offsets in PostgreSQL.
 * A batch the client cannot decode pauses its partition alone until the operator clears it.
 */
import type { EachBatchPayload, Kafka, KafkaMessage, Producer } from "kafkajs";
import { renewClient, type Sql } from "../infra/db.ts";
import { decode } from "../core/decode.ts";
import { saleTime, type UntrustedTime } from "../core/sale_time.ts";
import { settingDefault } from "../infra/settings.ts";
import { type DeadLetter, deadLetterMessage } from "./dlq.ts";
import { dlqTopic, ensureTopic, idempotentProducer, kafkaConsumerJoined } from "../infra/kafka.ts";
import { undecodableBatch } from "../infra/kafka_codecs.ts";
import { OffsetConflictError, storedOffsets } from "../store/offsets.ts";
import { markStuck, stuckPartitions } from "../store/stuck_partitions.ts";
import { type SourcedSale, writeBatch } from "../store/write_batch.ts";
import { DEFAULT_SESSION_TIMEOUT_MS } from "./session.ts";
import { DatabaseOutage, isConnectionLoss, outageRetryDelay } from "./outage.ts";
import type { LogFields } from "../infra/log.ts";

/** What the consumer needs to run. */
export interface ConsumerOptions {
  kafka: Kafka;
  sql: Sql;
  topic: string;
  groupId: string;
  partitions: number;
  /** partitions processed at the same time (default 2) */
  concurrency?: number;
  /**
   * Kafka session timeout in ms (default 10 s): a member silent that long loses its partitions;
   * `sql`'s sessions should time out with it (postgresTimeouts() of session.ts)
   */
  sessionTimeoutMs?: number;
  log?: (line: string, fields?: LogFields) => void;
  /** lines shown even when batches are not logged: a partition stopped or resumed (default: log) */
  notice?: (line: string, fields?: LogFields) => void;
  /** called when kafkajs gives up and will not restart the consumer */
  onFatal?: (error: Error) => void;
  /** how often a stuck partition's mark is checked, to resume once it is cleared (default 2 s) */
  stuckPollMs?: number;
  /**
   * how far ahead of this process' clock a record's timestamp is trusted, in ms (default
   * CONSUMER_CLOCK_TOLERANCE's); see lib/core/sale_time.ts
   */
  clockToleranceMs?: number;
  /** told each stored batch, each rebalance and each change of the stuck partitions (metrics) */
  observer?: ConsumerObserver;
}

/** What a stored batch did to its messages, for metrics. */
export interface BatchOutcome {
  inserted: number;
  duplicates: number;
  /** messages refused: bad data, or a sale_id stored with other content */
  rejected: number;
  /** of those, written to the dead-letter topic */
  deadLettered: number;
  /** from the start of the batch's handling to its commit, in seconds */
  seconds: number;
}

/** Told what the consumer does; each call must be cheap (it runs on the batch path). */
export interface ConsumerObserver {
  batch(outcome: BatchOutcome): void;
  rebalance(): void;
  /** the partitions stopped at an undecodable batch, after each change */
  stuck(partitions: number[]): void;
}

/** A running consumer; `stop()` finishes the batch in hand, commits it and disconnects. */
export interface RunningConsumer {
  stop(): Promise<void>;
  /** totals since start, for logs, tests and metrics */
  stats: ConsumerStats;
}

/** What a consumer did since it started. */
export interface ConsumerStats {
  batches: number;
  inserted: number;
  duplicates: number;
  rejected: number;
  /** stored sales filed at the time they were read, by why their record's timestamp was not trusted */
  untrustedTimes: Record<UntrustedTime, number>;
}

/** Starts consuming; resolves once the consumer has joined its group. */
export async function startConsumer(options: ConsumerOptions): Promise<RunningConsumer> {
  const { kafka, sql, topic, groupId } = options;
  const log = options.log ?? ((line: string, _fields?: LogFields) => console.log(line));
  const notice = options.notice ?? log;
  const outage = new DatabaseOutage(notice, () => renewClient(sql));
  const clockToleranceMs = options.clockToleranceMs ?? settingDefault("clockToleranceMs");
  await ensureTopic(kafka, topic, options.partitions);
  await ensureTopic(kafka, dlqTopic(topic), 1);

  const producer = idempotentProducer(kafka);
  await producer.connect();
  const consumer = kafka.consumer({
    groupId,
    // Back-pressure: one fetch holds at most 6 MiB (about 12,000 sales) until it is written; with
    // the 128 MiB heap of `deno task consume` this keeps peak RSS near 260 MB. 2 MiB per partition
    // (about 4,000 sales per transaction) instead of 1 MiB took 7% off the CPU per sale, of the
    // consumer and of PostgreSQL alike, in three alternating pairs (BENCHMARKS.md, "Growth").
    maxBytesPerPartition: 2 * 1024 * 1024,
    maxBytes: 6 * 1024 * 1024,
    maxWaitTimeInMs: 250,
    sessionTimeout: options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS,
    heartbeatInterval: 1_000,
    // Partitions added to the topic are read within about 10 s (kafkajs' default is 300 s): a
    // fetch reads metadata older than this again and rejoins the group when partitions changed.
    metadataMaxAge: 10_000,
  });
  const stats: ConsumerStats = {
    batches: 0,
    inserted: 0,
    duplicates: 0,
    rejected: 0,
    untrustedTimes: { ahead: 0, tooOld: 0 },
  };
  const expected = new Map<number, string | null>();
  const seekedTo = new Map<number, string>();
  /** partitions paused at an undecodable batch, with its offsets and reason */
  const stuck = new Map<number, { from: string; to: string; reason: string }>();
  /** "partition@offset" of the undecodable batches already logged by this process */
  const reported = new Set<string>();
  let stopping = false;

  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return; // kafkajs restarts the consumer by itself
    log(`consumer stopped after a non-retriable error: ${payload.error.message}`);
    options.onFatal?.(payload.error);
  });
  const observer = options.observer;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    observer?.rebalance();
    kafkaConsumerJoined();
    // Assignment may have changed: forget cached offsets, read them again from PostgreSQL.
    expected.clear();
    seekedTo.clear();
    // A partition still ours brings its undecodable batch back and is paused again (logged once).
    for (const partition of stuck.keys()) consumer.resume([{ topic, partitions: [partition] }]);
    stuck.clear();
    observer?.stuck([]);
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });

  const handleBatch = async (payload: EachBatchPayload) => {
    const startedAt = performance.now();
    const { batch, resolveOffset } = payload;
    const partition = batch.partition;
    if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
    if (stuck.has(partition)) return; // paused; a batch fetched before the pause waits too
    if (!expected.has(partition)) {
      const stored = await retrying(() => storedOffsets(sql, groupId, topic), payload, log, outage);
      expected.set(partition, stored.get(partition) ?? null);
    }
    const from = expected.get(partition) ?? null;
    const messages = from === null
      ? batch.messages
      : batch.messages.filter((m) => BigInt(m.offset) >= BigInt(from));
    const last = batch.messages[batch.messages.length - 1]!.offset;
    if (messages.length === 0) {
      resolveOffset(last); // all already stored: a re-delivery
      return;
    }
    if (from !== null && BigInt(messages[0]!.offset) > BigInt(from)) {
      if (seekedTo.get(partition) !== from) {
        seekedTo.set(partition, from);
        consumer.seek({ topic, partition, offset: from });
        return;
      }
      log(
        `partition ${partition}: offsets ${from}..${
          BigInt(messages[0]!.offset) - 1n
        } are gone from the broker`,
      );
    }
    // Known from this client's own codecs, never from what a record carries (kafka_codecs.ts).
    const poisonAt = messages.findIndex((m) => undecodableBatch(m) !== undefined);
    const good = poisonAt < 0 ? messages : messages.slice(0, poisonAt);
    if (good.length > 0) {
      const goodLast = poisonAt < 0 ? last : good[good.length - 1]!.offset;
      if (!await writeMessages(payload, from, good, goodLast, startedAt)) return;
    }
    if (poisonAt >= 0) await stopAtUndecodable(payload, messages[poisonAt]!);
  };

  /** Writes messages of one partition through writeBatch; false after an offset conflict. */
  const writeMessages = async (
    payload: EachBatchPayload,
    from: string | null,
    messages: KafkaMessage[],
    last: string,
    startedAt: number,
  ): Promise<boolean> => {
    const { resolveOffset, heartbeat, commitOffsetsIfNecessary } = payload;
    const partition = payload.batch.partition;
    const { sales, letters } = decodeAll(messages, topic, partition, Date.now(), clockToleranceMs);
    const input = {
      groupId,
      topic,
      partition,
      expectedOffset: from,
      nextOffset: String(BigInt(last) + 1n),
      sales,
      rejected: letters.length,
    };
    try {
      const result = await retrying(
        () =>
          writeBatch(sql, input, {
            beforeCommit: (r) =>
              sendDeadLetters(producer, topic, [
                ...letters,
                ...r.conflicts.map((c) => conflictLetter(c, messages, topic, partition)),
              ]),
          }),
        payload,
        log,
        outage,
      );
      expected.set(partition, input.nextOffset);
      stats.batches++;
      stats.inserted += result.inserted;
      stats.duplicates += result.duplicates;
      stats.rejected += letters.length + result.conflicts.length;
      stats.untrustedTimes.ahead += result.untrustedTimes.ahead;
      stats.untrustedTimes.tooOld += result.untrustedTimes.tooOld;
      log(
        `partition ${partition}: ${messages.length} messages, +${result.inserted} sales, ` +
          `${result.duplicates} duplicates, ${
            letters.length + result.conflicts.length
          } rejected, ` +
          `next offset ${input.nextOffset}`,
        {
          partition,
          messages: messages.length,
          inserted: result.inserted,
          duplicates: result.duplicates,
          rejected: letters.length + result.conflicts.length,
          next_offset: input.nextOffset,
        },
      );
      resolveOffset(last);
      await commitOffsetsIfNecessary();
      const refused = letters.length + result.conflicts.length;
      observer?.batch({
        inserted: result.inserted,
        duplicates: result.duplicates,
        rejected: refused,
        deadLettered: refused,
        seconds: (performance.now() - startedAt) / 1000,
      });
      await heartbeat();
      return true;
    } catch (error) {
      if (!(error instanceof OffsetConflictError)) throw error;
      log(`partition ${partition}: ${error.message}; reading the stored offset again`);
      expected.delete(partition);
      const stored = await retrying(() => storedOffsets(sql, groupId, topic), payload, log, outage);
      const offset = stored.get(partition);
      if (offset !== undefined) consumer.seek({ topic, partition, offset });
      return false;
    }
  };

  /**
   * The partition's next batch cannot be decoded (`marker` is its first marker record): pause
   * this partition alone, record the mark and the batch's bytes for the dashboard and the
   * operator, log it once.
   */
  const stopAtUndecodable = async (payload: EachBatchPayload, marker: KafkaMessage) => {
    const partition = payload.batch.partition;
    const batch = undecodableBatch(marker)!;
    const range = { from: marker.offset, to: batch.lastOffset, reason: batch.reason };
    consumer.pause([{ topic, partitions: [partition] }]);
    stuck.set(partition, range);
    observer?.stuck([...stuck.keys()]);
    await retrying(
      () =>
        markStuck(sql, {
          groupId,
          topic,
          partition,
          fromOffset: range.from,
          toOffset: range.to,
          reason: range.reason,
          batch: batch.bytes,
        }),
      payload,
      log,
      outage,
    );
    const key = `${partition}@${range.from}`;
    if (!reported.has(key)) {
      reported.add(key);
      notice(
        `partition ${partition} stopped: offsets ${range.from}..${range.to} of ${topic} ` +
          `cannot be decoded (${range.reason}); the other partitions go on; ` +
          `see \`deno task unstick --topic ${topic} --partition ${partition}\``,
      );
    }
  };

  /** Resumes the stuck partitions whose mark the operator cleared (`deno task unstick`). */
  const resumeUnstuck = async () => {
    if (stuck.size === 0 || stopping) return;
    const marked = new Set((await stuckPartitions(sql, groupId, topic)).map((m) => m.partition));
    const stored = await storedOffsets(sql, groupId, topic);
    for (const partition of [...stuck.keys()]) {
      if (marked.has(partition)) continue;
      stuck.delete(partition);
      observer?.stuck([...stuck.keys()]);
      expected.delete(partition);
      seekedTo.delete(partition);
      const offset = stored.get(partition);
      if (offset !== undefined) consumer.seek({ topic, partition, offset });
      consumer.resume([{ topic, partitions: [partition] }]);
      notice(`partition ${partition}: its stuck mark was cleared; resuming at offset ${offset}`);
    }
  };
  await consumer.run({
    // The offsets that count are PostgreSQL's; Kafka's copy (for tools and lag) is committed at
    // most every 5 s instead of after every batch.
    autoCommitInterval: 5_000,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.concurrency ?? 2,
    eachBatch: handleBatch,
  });
  let checking: Promise<void> = Promise.resolve();
  const resumeTimer = setInterval(() => {
    checking = resumeUnstuck().then(() => {
      if (stuck.size > 0) outage.answered();
    }, (error) => {
      if (isConnectionLoss(error)) outage.failed(error);
      else log(`cannot read the stuck partitions (${(error as Error).message}); trying again`);
    });
  }, options.stuckPollMs ?? 2_000);

  return {
    stats,
    async stop() {
      if (stopping) return;
      stopping = true;
      clearInterval(resumeTimer);
      await checking;
      await consumer.disconnect(); // waits for the batch in hand to finish and commit
      await producer.disconnect();
    },
  };
}

/**
 * The batch's sales, each filed under its record's timestamp when that is trusted, else under
 * `readAtMs` (lib/core/sale_time.ts), and its bad messages as dead letters.
 */
function decodeAll(
  messages: KafkaMessage[],
  topic: string,
  partition: number,
  readAtMs: number,
  clockToleranceMs: number,
) {
  const sales: SourcedSale[] = [];
  const letters: DeadLetter[] = [];
  for (const m of messages) {
    const decoded = decode(m.value);
    if (decoded.ok) {
      const time = saleTime(m.timestamp, readAtMs, clockToleranceMs);
      sales.push({
        sale: decoded.sale,
        offset: m.offset,
        soldAt: time.at,
        ...(time.untrusted ? { untrustedTime: time.untrusted } : {}),
      });
    } else {
      letters.push({
        key: m.key,
        value: m.value,
        topic,
        partition,
        offset: m.offset,
        code: decoded.code,
        reason: decoded.message,
      });
    }
  }
  return { sales, letters };
}

function conflictLetter(
  conflict: SourcedSale,
  messages: KafkaMessage[],
  topic: string,
  partition: number,
): DeadLetter {
  const m = messages.find((x) => x.offset === conflict.offset)!;
  return {
    key: m.key,
    value: m.value,
    topic,
    partition,
    offset: m.offset,
    code: "conflicting_duplicate",
    reason: `sale_id ${conflict.sale.saleId} is already stored with different content`,
  };
}

async function sendDeadLetters(producer: Producer, topic: string, letters: DeadLetter[]) {
  if (letters.length === 0) return;
  await producer.send({
    topic: dlqTopic(topic),
    acks: -1,
    messages: letters.map(deadLetterMessage),
  });
}

/**
 * PostgreSQL error codes that mean "try the same transaction again" at once: a serialization
 * failure, a deadlock, or a lock wait longer than lock_timeout (a frozen consumer's locks, which
 * its idle_in_transaction_session_timeout frees).
 */
const RETRYABLE_SQL = new Set(["40001", "40P01", "55P03"]);

/**
 * Runs an infrastructure step until it succeeds, backing off and heart-beating; data never goes
 * to the DLQ for this. While PostgreSQL does not answer (a crash, a restart, a failover) it tries
 * again every 0.5 s doubling to 4 s, and `outage` logs one line when that starts and one when it
 * ends; other errors are logged each time, retried at once (a serialization failure, a deadlock,
 * a lock wait) or after 0.5 s doubling to 30 s.
 */
async function retrying<T>(
  step: () => Promise<T>,
  payload: EachBatchPayload,
  log: (line: string) => void,
  outage: DatabaseOutage,
): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      const result = await whileHeartbeating(step(), payload);
      outage.answered();
      return result;
    } catch (error) {
      if (error instanceof OffsetConflictError) {
        outage.answered();
        throw error;
      }
      if (!payload.isRunning() || payload.isStale()) throw error;
      const code = (error as { code?: string }).code ?? "";
      let delay: number;
      if (isConnectionLoss(error)) {
        outage.failed(error);
        delay = outageRetryDelay(attempt);
      } else {
        delay = RETRYABLE_SQL.has(code) ? 50 : Math.min(30_000, 500 * 2 ** attempt);
        log(
          `infrastructure error (${code || (error as Error).name}: ${
            (error as Error).message
          }); retrying in ${delay} ms`,
        );
      }
      await sleepWithHeartbeat(delay, payload);
    }
  }
}

/**
 * Waits for `work` while heart-beating every second, so that a step PostgreSQL keeps waiting (a
 * connection attempt, a lock) does not cost the consumer its membership of the group.
 */
async function whileHeartbeating<T>(work: Promise<T>, payload: EachBatchPayload): Promise<T> {
  const timer = setInterval(() => payload.heartbeat().catch(() => {}), 1_000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

async function sleepWithHeartbeat(ms: number, payload: EachBatchPayload) {
  const end = Date.now() + ms;
  while (Date.now() < end && payload.isRunning()) {
    await new Promise((r) => setTimeout(r, Math.min(1000, end - Date.now())));
    await payload.heartbeat().catch(() => {});
  }
}
