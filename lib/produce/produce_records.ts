/** Sends validated sales records to Kafka, keyed by sale_id, with delivery reports. */
import {
  CompressionTypes,
  type Kafka,
  type PartitionMetadata,
  type Producer,
  type RecordMetadata,
} from "kafkajs";
import { partitionForKey } from "../core/partitioner.ts";
import { MAX_MESSAGE_BYTES, sizeRejection, validate } from "../core/decode.ts";
import { ensureTopic, idempotentProducer, reachKafka } from "../infra/kafka.ts";
import { isKafkaRefusal } from "../infra/kafka_security.ts";
import type { SaleRecord } from "../core/sale.ts";
import { printable, type Skip } from "./bad_lines.ts";

/**
 * One record to send and where it came from (a file line or a generated index), or a line of
 * the input that holds no record (`error` says why: not JSON, not UTF-8); that line is skipped.
 */
export type Outgoing =
  | { line: number; record: unknown }
  | { line: number; error: string };

/** How to send: a random pause between messages in ms ([0, 0] for bulk), and reporting hooks. */
export interface ProduceOptions {
  kafka: Kafka;
  topic: string;
  partitions: number;
  delayMs: [number, number];
  /** messages per request in bulk mode */
  batchSize?: number;
  /** one line per message: "delivered ..." or "failed ..." */
  report?: (line: string) => void;
  /** told of every skipped input line: unreadable, invalid or oversized */
  skipped?: (skip: Skip) => void;
  /** records handled so far (sent, failed or skipped) */
  progress?: (handled: number) => void;
  /**
   * With `brokers`: connecting (topic creation, metadata, the producer) must finish within this
   * many ms, else KafkaUnreachableError; without it kafkajs retries for about a minute.
   */
  connect?: { brokers: string[]; timeoutMs: number };
  /** checked between sends; returning true stops early (SIGINT) */
  stopped?: () => boolean;
  /** how each request's batches are compressed (default none) */
  compression?: CompressionTypes;
}

/** What a run did. */
export interface ProduceSummary {
  sent: number;
  /** every input line not sent: unreadable, invalid or oversized */
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

/** One validated record ready to send: its line, the record and its JSON value. */
export interface Ready {
  line: number;
  record: SaleRecord;
  value: string;
}

/**
 * Validates and sends the records; bad ones (unreadable, invalid, or bigger than the consumer's
 * MAX_MESSAGE_BYTES as JSON) are counted and reported with their line and never sent. Kafka is
 * connected to (and the topic created) only once there is a valid record to send.
 */
export async function produceRecords(
  records: Iterable<Outgoing>,
  options: ProduceOptions,
): Promise<ProduceSummary> {
  const { kafka, topic, report } = options;
  const compression = options.compression ?? CompressionTypes.None;
  const summary: ProduceSummary = { sent: 0, skipped: 0, failed: 0, byPartition: {} };
  const handled = () => summary.sent + summary.failed + summary.skipped;
  let open: { producer: Producer; partitionCount: number } | null = null;
  let producer: Producer | null = null;
  const connect = async () => {
    await ensureTopic(kafka, topic, options.partitions);
    const partitionCount = (await topicPartitions(kafka, topic)).length;
    producer = idempotentProducer(kafka);
    await producer.connect();
    return { producer, partitionCount };
  };
  const bulk = options.delayMs[1] === 0;
  const batchSize = bulk ? options.batchSize ?? BULK_BATCH : 1;
  let pending: Ready[] = [];
  // One request in flight while the next batch is validated: send and validation overlap.
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (pending.length === 0) return;
    open ??= options.connect
      ? await reachKafka(options.connect.brokers, options.connect.timeoutMs, connect)
      : await connect();
    const batch = pending;
    pending = [];
    // Built before waiting, so this work also overlaps the request in flight.
    const messages = toMessages(batch, open.partitionCount);
    await inFlight;
    inFlight = sendBatch(open.producer, topic, batch, messages, summary, report, compression)
      .then(() => options.progress?.(handled()));
    if (!bulk) await inFlight;
  };
  try {
    for (const entry of records) {
      if (options.stopped?.()) break;
      const checked = checkEntry(entry);
      if ("reason" in checked) {
        summary.skipped++;
        options.skipped?.(checked);
        continue;
      }
      pending.push(checked);
      if (pending.length >= batchSize) {
        await flush();
        if (!bulk) await pause(options.delayMs, options.stopped);
      }
    }
    await flush();
    await inFlight;
    options.progress?.(handled());
  } finally {
    await inFlight.catch(() => {});
    await (producer as Producer | null)?.disconnect().catch(() => {});
  }
  return summary;
}

/**
 * A record ready to send, or why its line is skipped: unreadable, invalid (the consumer's reason
 * code and message), or a JSON value over the consumer's MAX_MESSAGE_BYTES ("oversized").
 */
export function checkEntry(entry: Outgoing): Ready | Skip {
  if ("error" in entry) return { line: entry.line, reason: entry.error };
  const { line, record } = entry;
  const checked = validate(record);
  const saleId = (record as { sale_id?: unknown })?.sale_id;
  if (!checked.ok) return { line, saleId, reason: `${checked.code}: ${checked.message}` };
  // The consumer's limit applies to the JSON value as sent; a UTF-16 code unit takes at most
  // 3 bytes of UTF-8, so only long values need encoding to be measured.
  const value = JSON.stringify(record);
  const tooBig = value.length * 3 > MAX_MESSAGE_BYTES
    ? sizeRejection(encoder.encode(value).byteLength)
    : null;
  if (tooBig) return { line, saleId, reason: `${tooBig.code}: ${tooBig.message}` };
  return { line, record: record as SaleRecord, value };
}

const encoder = new TextEncoder();

/** The Kafka messages of a batch: keyed by sale_id, partitioned by murmur2 of the key. */
function toMessages(batch: Ready[], partitionCount: number) {
  return batch.map(({ record, value }) => {
    const key = String(record.sale_id);
    return { key, value, partition: partitionForKey(key, partitionCount) };
  });
}

async function sendBatch(
  producer: Producer,
  topic: string,
  batch: Ready[],
  messages: { partition: number; key: string; value: string }[],
  summary: ProduceSummary,
  report: ((line: string) => void) | undefined,
  compression: CompressionTypes,
) {
  let metadata: RecordMetadata[];
  try {
    metadata = await sendPerPartition(producer, topic, messages, compression);
  } catch (error) {
    // A refused login or ACL fails every send alike: stop with one reason, not a line per record.
    if (isKafkaRefusal(error)) throw error;
    summary.failed += batch.length;
    for (const { line, record } of batch) {
      report?.(
        printable(`failed line ${line} sale_id ${record.sale_id}: ${(error as Error).message}`),
      );
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

/**
 * Sends each partition's messages in a request of its own (side by side). kafkajs 2.2.4 retries a
 * send that spans several leaders by re-sending only to the brokers that have not answered yet:
 * when a leader dies and its partitions move to a broker that already answered, their messages are
 * never sent, yet the send resolves. With one partition per send, the retry goes to the new leader
 * (tests/fleet/failover_test.ts lost about 80 of 40,000 acknowledged sales without this).
 */
async function sendPerPartition(
  producer: Producer,
  topic: string,
  messages: { partition: number; key: string; value: string }[],
  compression: CompressionTypes,
): Promise<RecordMetadata[]> {
  const byPartition = new Map<number, typeof messages>();
  for (const m of messages) {
    const list = byPartition.get(m.partition);
    if (list) list.push(m);
    else byPartition.set(m.partition, [m]);
  }
  const sent = await Promise.all(
    [...byPartition.values()].map((part) =>
      producer.send({ topic, acks: -1, messages: part, compression })
    ),
  );
  return sent.flat();
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
