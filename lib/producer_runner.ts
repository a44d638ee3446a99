/** Sends validated sales records to Kafka, keyed by sale_id, with delivery reports. */
import type { Kafka, PartitionMetadata, Producer, RecordMetadata } from "kafkajs";
import { Partitioners } from "kafkajs";
import { validate } from "./decode.ts";
import { ensureTopic, idempotentProducer } from "./kafka.ts";
import type { SaleRecord } from "./sale.ts";

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

/** Validates and sends the records; bad records are reported with their line and never sent. */
export async function produceRecords(
  records: Iterable<Outgoing>,
  options: ProduceOptions,
): Promise<ProduceSummary> {
  const { kafka, topic } = options;
  const report = options.report ?? (() => {});
  await ensureTopic(kafka, topic, options.partitions);
  const partitionMetadata = await topicPartitions(kafka, topic);
  const producer = idempotentProducer(kafka);
  await producer.connect();
  const summary: ProduceSummary = { sent: 0, skipped: 0, failed: 0, byPartition: {} };
  const bulk = options.delayMs[1] === 0;
  const batchSize = bulk ? options.batchSize ?? 2000 : 1;
  let pending: { line: number; record: SaleRecord }[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await sendBatch(producer, partitionMetadata, topic, batch, summary, report);
    options.progress?.(summary.sent + summary.failed);
  };
  try {
    for (const { line, record } of records) {
      if (options.stopped?.()) break;
      const checked = validate(record);
      if (!checked.ok) {
        summary.skipped++;
        const id = (record as { sale_id?: unknown })?.sale_id;
        report(
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
  } finally {
    await producer.disconnect();
  }
  return summary;
}

async function sendBatch(
  producer: Producer,
  partitionMetadata: PartitionMetadata[],
  topic: string,
  batch: { line: number; record: SaleRecord }[],
  summary: ProduceSummary,
  report: (line: string) => void,
) {
  const messages = batch.map(({ record }) => {
    const key = String(record.sale_id);
    const value = JSON.stringify(record);
    return { key, value, partition: choose({ topic, partitionMetadata, message: { key, value } }) };
  });
  let metadata: RecordMetadata[];
  try {
    metadata = await producer.send({ topic, acks: -1, messages });
  } catch (error) {
    summary.failed += batch.length;
    for (const { line, record } of batch) {
      report(`failed line ${line} sale_id ${record.sale_id}: ${(error as Error).message}`);
    }
    return;
  }
  // Kafka reports the base offset per partition; messages of a partition follow in send order.
  const next = new Map(metadata.map((m) => [m.partition, BigInt(m.baseOffset ?? "0")]));
  batch.forEach(({ record }, i) => {
    const partition = messages[i]!.partition;
    const offset = next.get(partition) ?? 0n;
    next.set(partition, offset + 1n);
    summary.byPartition[partition] = (summary.byPartition[partition] ?? 0) + 1;
    report(`delivered sale_id ${record.sale_id} to ${topic} [${partition}] @ ${offset}`);
  });
  summary.sent += batch.length;
}

/** kafkajs' default (murmur2) partitioner, applied here so each message's partition is known. */
const choose = Partitioners.DefaultPartitioner();

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
