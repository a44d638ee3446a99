/** The reports process: sales_topic -> six keyed, compacted report topics, exactly once with Kafka transactions. */
import type { Kafka, Message, Producer, Transaction } from "kafkajs";
import { Partitioners } from "kafkajs";
import { decode } from "../core/decode.ts";
import { ensureTopic } from "../infra/kafka.ts";
import type { Sale } from "../core/sale.ts";
import { TopicMirror } from "./mirror.ts";
import { ReportState } from "./state.ts";
import { type ReportName, REPORTS, reportTopic, seenSalesTopic } from "./topics.ts";

/** What the reports process needs. */
export interface ReportsOptions {
  kafka: Kafka;
  /** the topic of sales */
  topic: string;
  /** partitions when the sales topic is created */
  partitions: number;
  /** its own consumer group (default sales-reports); also names the transactional id */
  groupId: string;
  /** prefix of the report topics (REPORT_TOPIC_PREFIX) */
  prefix: string;
  log?: (line: string) => void;
  /** called inside each transaction before its commit; a throw aborts it (tests inject faults) */
  beforeCommit?: (partition: number) => Promise<void>;
}

/** A running reports process. */
export interface RunningReports {
  stats: { batches: number; sales: number; skipped: number };
  stop(): Promise<void>;
}

/** Creates the compacted report topics (and the seen-sales topic) when missing. */
export async function ensureReportTopics(kafka: Kafka, prefix: string): Promise<void> {
  for (const name of [...REPORTS.map((r) => reportTopic(r, prefix)), seenSalesTopic(prefix)]) {
    await ensureTopic(kafka, name, 1, { "cleanup.policy": "compact" });
  }
}

/** Rebuilds the state from what the report topics hold (read-committed: aborted work is not seen). */
async function restoreState(
  kafka: Kafka,
  prefix: string,
  groupId: string,
): Promise<ReportState> {
  const topics = [...REPORTS.map((r) => reportTopic(r, prefix)), seenSalesTopic(prefix)];
  const mirror = await TopicMirror.start(kafka, topics, `${groupId}-restore`);
  try {
    await mirror.caughtUp();
  } finally {
    await mirror.stop();
  }
  const state = new ReportState();
  for (const report of REPORTS) {
    for (const [key, value] of mirror.values.get(reportTopic(report, prefix))!) {
      state.restore(report, key, value);
    }
  }
  for (const [saleId, hash] of mirror.values.get(seenSalesTopic(prefix))!) {
    state.restoreSeen(saleId, hash);
  }
  return state;
}

/** Starts the reports process: restores its state, then consumes sales in transactions. */
export async function startReports(options: ReportsOptions): Promise<RunningReports> {
  const { kafka, topic, groupId, prefix } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  await ensureTopic(kafka, topic, options.partitions);
  await ensureReportTopics(kafka, prefix);

  let producer: Producer | undefined;
  /** the committed state, plus the batch in hand; undefined after a failed transaction */
  let state: ReportState | undefined;
  /** A producer that fenced every earlier one, and the state committed before it: the starting point. */
  const restart = async (): Promise<ReportState> => {
    await producer?.disconnect().catch(() => {});
    producer = kafka.producer({
      transactionalId: `${groupId}-reports`,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
    });
    await producer.connect();
    await fenceEarlierInstance(producer);
    const restored = await restoreState(kafka, prefix, groupId);
    log(`restored ${restored.seen.size} counted sales from ${seenSalesTopic(prefix)}`);
    return restored;
  };
  state = await restart();

  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    maxBytesPerPartition: 1024 * 1024,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
  });
  const stats = { batches: 0, sales: 0, skipped: 0 };
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 1,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const sales: Sale[] = [];
      let skipped = 0;
      for (const m of batch.messages) {
        const decoded = decode(m.value);
        if (decoded.ok) sales.push(decoded.sale);
        else skipped++;
      }
      const last = batch.messages[batch.messages.length - 1]!.offset;
      const next = String(BigInt(last) + 1n);
      state ??= await restart();
      const { changed, newSales } = state.apply(sales, skipped);
      let transaction: Transaction | undefined;
      try {
        transaction = await producer!.transaction();
        const topicMessages = reportMessages(state, changed, prefix);
        if (newSales.length) {
          topicMessages.push({
            topic: seenSalesTopic(prefix),
            messages: newSales.map(([id, hash]) => ({ key: id, value: JSON.stringify(hash) })),
          });
        }
        if (topicMessages.length) await transaction.sendBatch({ topicMessages, acks: -1 });
        await transaction.sendOffsets({
          consumerGroupId: groupId,
          topics: [{ topic, partitions: [{ partition: batch.partition, offset: next }] }],
        });
        await options.beforeCommit?.(batch.partition);
        await transaction.commit();
      } catch (error) {
        await transaction?.abort().catch(() => {});
        // The batch is in the state in memory and the producer may be unusable: the next batch
        // starts over from a new producer (fencing this one) and the state committed to Kafka.
        state = undefined;
        log(`partition ${batch.partition}: transaction failed (${(error as Error).message})`);
        // kafkajs fetches again from the last resolved offset: the last one committed.
        throw error;
      }
      resolveOffset(last);
      stats.batches++;
      stats.sales += newSales.length;
      stats.skipped += skipped;
      log(
        `partition ${batch.partition}: ${batch.messages.length} messages, +${newSales.length} sales, ` +
          `${skipped} skipped, committed offset ${next}`,
      );
      await heartbeat();
    },
  });

  let stopped = false;
  return {
    stats,
    async stop() {
      if (stopped) return;
      stopped = true;
      await consumer.disconnect(); // waits for the batch in hand and its transaction
      await producer?.disconnect();
    },
  };
}

/**
 * Registers the transactional id before the state is read. kafkajs' connect() does not: the id is
 * sent with the first transaction. InitProducerId fences an earlier instance, aborts its open
 * transaction and, while that instance's commit is still being completed, is retried until the
 * commit markers are written. Restoring first could read the report topics without a batch whose
 * consumer offsets become visible a moment later, and that batch would never be counted.
 */
async function fenceEarlierInstance(producer: Producer): Promise<void> {
  const transaction = await producer.transaction();
  await transaction.abort(); // nothing was sent: no request, the producer is ready
}

/** The changed keys of every report as messages, grouped by report topic. */
function reportMessages(
  state: ReportState,
  changed: Map<ReportName, Set<string>>,
  prefix: string,
): { topic: string; messages: Message[] }[] {
  return [...changed].map(([report, keys]) => ({
    topic: reportTopic(report, prefix),
    messages: [...keys].map((key) => ({
      key,
      value: JSON.stringify(state.message(report, key).value),
    })),
  }));
}
