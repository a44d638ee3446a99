/** Sends validated sales records to Kafka, keyed by sale_id, with delivery reports. */
import type { Kafka, PartitionMetadata, Producer, RecordMetadata } from "kafkajs";
import { partitionForKey } from "../core/partitioner.ts";
import { validate } from "../core/decode.ts";
import { ensureTopic, idempotentProducer } from "../infra/kafka.ts";
import type { SaleRecord } from "../core/sale.ts";

/** One record to send and where it came from (a file line or a generated index). */
export interface Outgoing {
  line: number;
  record: unknown;
}

/** How to send: a random pause between messages in ms ([0, 0] for bulk), and reporting hooks. */
export interface ProduceOptions {
  kafka: Kafka;
  topic: string;
  partitions: number;
  delayMs: [number, number];
  /** messages per request in bulk mode */
  batchSize?: number;
  report?: (line: string) => void;
  progress?: (sent: number) => void;
  /** checked between sends; returning true stops early (SIGINT) */
  stopped?: () => boolean;
}

/** What a run did. */
export interface ProduceSummary {
  sent: number;
  skipped: number;
  failed: number;
  byPartition: Record<number, number>;
}

/**
 * Records per request in bulk mode. kafkajs 2.2.4 groups a request's messages by partition by
 * copying the partition's array for every message (quadratic), so 2,000 per request beat 5,000
 * (about 10% more records/s here, BENCHMARKS.md); the broker round trip still overlaps the
 * validation of the next request.
 */
const BULK_BATCH = 2000;

/** Validates and sends the records; bad records are reported with their line and never sent. */
export async function produceRecords(
  records: Iterable<Outgoing>,
  options: ProduceOptions,
): Promise<ProduceSummary> {
  const { kafka, topic, report } = options;
  await ensureTopic(kafka, topic, options.partitions);
  const partitionCount = (await topicPartitions(kafka, topic)).length;
  const producer = idempotentProducer(kafka);
  await producer.connect();
  const summary: ProduceSummary = { sent: 0, skipped: 0, failed: 0, byPartition: {} };
  const bulk = options.delayMs[1] === 0;
  const batchSize = bulk ? options.batchSize ?? BULK_BATCH : 1;
  let pending: { line: number; record: SaleRecord }[] = [];
  // One request in flight while the next batch is validated: send and validation overlap.
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    // Built before waiting, so this work also overlaps the request in flight.
    const messages = toMessages(batch, partitionCount);
    await inFlight;
    inFlight = sendBatch(producer, topic, batch, messages, summary, report)
      .then(() => options.progress?.(summary.sent + summary.failed));
    if (!bulk) await inFlight;
  };
  try {
    for (const { line, record } of records) {
      if (options.stopped?.()) break;
      const checked = validate(record);
      if (!checked.ok) {
        summary.skipped++;
        const id = (record as { sale_id?: unknown })?.sale_id;
        report?.(
          `skipped line ${line}${
            id !== undefined ? ` (sale_id ${String(id).slice(0, 64)})` : ""
          }: ${checked.message}`,
        );
        continue;
      }
      pending.push({ line, record: record as SaleRecord });
      if (pending.length >= batchSize) {
        await flush();
        if (!bulk) await pause(options.delayMs, options.stopped);
      }
    }
    await flush();
    await inFlight;
  } finally {
    await inFlight.catch(() => {});
    await producer.disconnect();
  }
  return summary;
}

/** The Kafka messages of a batch: keyed by sale_id, partitioned by murmur2 of the key. */
function toMessages(batch: { record: SaleRecord }[], partitionCount: number) {
  return batch.map(({ record }) => {
    const key = String(record.sale_id);
    const value = JSON.stringify(record);
    return { key, value, partition: partitionForKey(key, partitionCount) };
  });
}

async function sendBatch(
  producer: Producer,
  topic: string,
  batch: { line: number; record: SaleRecord }[],
  messages: { partition: number; key: string; value: string }[],
  summary: ProduceSummary,
  report: ((line: string) => void) | undefined,
) {
  let metadata: RecordMetadata[];
  try {
    metadata = await producer.send({ topic, acks: -1, messages });
  } catch (error) {
    summary.failed += batch.length;
    for (const { line, record } of batch) {
      report?.(`failed line ${line} sale_id ${record.sale_id}: ${(error as Error).message}`);
    }
    return;
  }
  summary.sent += batch.length;
  for (const m of messages) {
    summary.byPartition[m.partition] = (summary.byPartition[m.partition] ?? 0) + 1;
  }
  if (!report) return; // no delivery reports asked for: skip building a line per message
  // Kafka reports the base offset per partition; messages of a partition follow in send order.
  const next = new Map(metadata.map((m) => [m.partition, BigInt(m.baseOffset ?? "0")]));
  batch.forEach(({ record }, i) => {
    const partition = messages[i]!.partition;
    const offset = next.get(partition) ?? 0n;
    next.set(partition, offset + 1n);
    report(`delivered sale_id ${record.sale_id} to ${topic} [${partition}] @ ${offset}`);
  });
}

async function topicPartitions(kafka: Kafka, topic: string): Promise<PartitionMetadata[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]!.partitions;
  } finally {
    await admin.disconnect();
  }
}

function pause([min, max]: [number, number], stopped?: () => boolean): Promise<void> {
  const ms = min + Math.random() * (max - min);
  return new Promise((resolve) => {
    const end = Date.now() + ms;
    const tick = () => (Date.now() >= end || stopped?.()
      ? resolve()
      : setTimeout(tick, Math.min(100, end - Date.now())));
    tick();
  });
}
