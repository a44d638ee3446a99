/** The operator's way past an undecodable batch: dead-letter its range, move the offset, resume. */
import { Buffer } from "node:buffer";
import type { Kafka, Message } from "kafkajs";
import type { Sql } from "../infra/db.ts";
import { dlqTopic, ensureTopic, idempotentProducer } from "../infra/kafka.ts";
import { type StuckPartition, unstickPartition } from "../store/stuck_partitions.ts";
import { maskCardNumbers, printable } from "../core/redact.ts";

/** The headers of both dead letters of a skipped range: why, and where from. */
function skippedRangeHeaders(mark: StuckPartition): Record<string, string> {
  return {
    error: `undecodable_batch: ${printable(mark.reason)}`,
    "source-topic": mark.topic,
    "source-partition": String(mark.partition),
    "source-offset": mark.fromOffset,
    "source-last-offset": mark.toOffset,
  };
}

/**
 * The first dead letter of a skipped range: the undecodable batch itself, its bytes as the
 * consumer fetched them (a v2 record batch: header and compressed records), which an operator can
 * read back (kcat -C -f '%s') and decode with the client it needs. Card-number-like digit runs in
 * them were masked in place when fetched (kafka_codecs.ts), as in every dead letter.
 */
function skippedBatchMessage(mark: StuckPartition, batch: Uint8Array): Message {
  return {
    key: null,
    value: Buffer.from(batch),
    headers: { ...skippedRangeHeaders(mark), content: "kafka-record-batch" },
  };
}

/** The second dead letter of a skipped range: what was skipped, and why. */
function skippedRangeMessage(mark: StuckPartition, batchBytes: number | null): Message {
  const value = {
    skipped: "undecodable batch",
    topic: mark.topic,
    partition: mark.partition,
    from_offset: mark.fromOffset,
    to_offset: mark.toOffset,
    reason: printable(mark.reason),
    stuck_at: mark.stuckAt.toISOString(),
    batch_bytes: batchBytes,
  };
  return {
    key: null,
    value: Buffer.from(maskCardNumbers(JSON.stringify(value))),
    headers: { ...skippedRangeHeaders(mark), content: "description" },
  };
}

/**
 * Sends the range's dead letters to `<topic>.dlq` (the batch's bytes, then its description), moves
 * the group's stored offset past the range and clears the mark, all or nothing (the send happens
 * inside the PostgreSQL transaction, before its commit). A running consumer resumes the partition
 * once it sees the mark gone.
 */
export async function unstick(
  kafka: Kafka,
  sql: Sql,
  where: { groupId: string; topic: string; partition: number },
): Promise<StuckPartition> {
  await ensureTopic(kafka, dlqTopic(where.topic), 1);
  const producer = idempotentProducer(kafka);
  await producer.connect();
  try {
    return await unstickPartition(sql, where, async (mark, batch) => {
      await producer.send({
        topic: dlqTopic(where.topic),
        acks: -1,
        messages: [
          ...(batch ? [skippedBatchMessage(mark, batch)] : []),
          skippedRangeMessage(mark, batch?.length ?? null),
        ],
      });
    });
  } finally {
    await producer.disconnect();
  }
}
