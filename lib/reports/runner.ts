/** The reports process: sales_topic -> six keyed, compacted report topics, exactly once with Kafka transactions. */
import type { Kafka, Message } from "kafkajs";
import { Partitioners } from "kafkajs";
import { decode } from "../decode.ts";
import { ensureTopic } from "../kafka.ts";
import type { Sale } from "../sale.ts";
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
export async function restoreState(
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
  for (const saleId of mirror.values.get(seenSalesTopic(prefix))!.keys()) state.seen.add(saleId);
  return state;
}

/** Starts the reports process: restores its state, then consumes sales in transactions. */
export async function startReports(options: ReportsOptions): Promise<RunningReports> {
  const { kafka, topic, groupId, prefix } = options;
  const log = options.log ?? ((line: string) => console.log(line));
  await ensureTopic(kafka, topic, options.partitions);
  await ensureReportTopics(kafka, prefix);

  // Connecting with the transactional id fences an earlier instance and aborts its open transaction.
  const producer = kafka.producer({
    transactionalId: `${groupId}-reports`,
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
  });
  await producer.connect();
  let state = await restoreState(kafka, prefix, groupId);
  log(`restored ${state.seen.size} counted sales from ${seenSalesTopic(prefix)}`);

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
      const { changed, newSaleIds } = state.apply(sales);
      const last = batch.messages[batch.messages.length - 1]!.offset;
      const next = String(BigInt(last) + 1n);
      const transaction = await producer.transaction();
      try {
        const topicMessages = reportMessages(state, changed, prefix);
        if (newSaleIds.length) {
          topicMessages.push({
            topic: seenSalesTopic(prefix),
            messages: newSaleIds.map((id) => ({ key: id, value: "1" })),
          });
        }
        if (topicMessages.length) await transaction.sendBatch({ topicMessages, acks: -1 });
        await transaction.sendOffsets({
          consumerGroupId: groupId,
          topics: [{ topic, partitions: [{ partition: batch.partition, offset: next }] }],
        });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => {});
        // The batch was applied to the state in memory: rebuild it from what was committed.
        state = await restoreState(kafka, prefix, groupId);
        throw error; // kafkajs delivers the batch again from the committed offset
      }
      resolveOffset(last);
      stats.batches++;
      stats.sales += newSaleIds.length;
      stats.skipped += skipped;
      log(
        `partition ${batch.partition}: ${batch.messages.length} messages, +${newSaleIds.length} sales, ` +
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
      await producer.disconnect();
    },
  };
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
