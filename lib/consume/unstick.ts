/** The operator's way past an undecodable batch: dead-letter its range, move the offset, resume. */
import { Buffer } from "node:buffer";
import type { Kafka, Message } from "kafkajs";
import type { Sql } from "../infra/db.ts";
import { dlqTopic, ensureTopic, idempotentProducer } from "../infra/kafka.ts";
import { type StuckPartition, unstickPartition } from "../store/stuck_partitions.ts";
import { deadLetterMessage } from "./dlq.ts";

/** The dead letter of a skipped range: its raw bytes cannot be decoded, so it describes the range. */
function skippedRangeMessage(mark: StuckPartition): Message {
  const value = {
    skipped: "undecodable batch",
    topic: mark.topic,
    partition: mark.partition,
    from_offset: mark.fromOffset,
    to_offset: mark.toOffset,
    reason: mark.reason,
    stuck_at: mark.stuckAt.toISOString(),
  };
  const message = deadLetterMessage({
    key: null,
    value: Buffer.from(JSON.stringify(value)),
    topic: mark.topic,
    partition: mark.partition,
    offset: mark.fromOffset,
    code: "undecodable_batch",
    reason: mark.reason,
  });
  return {
    ...message,
    headers: { ...message.headers, "source-last-offset": mark.toOffset },
  };
}

/**
 * Sends the range's dead letter to `<topic>.dlq`, moves the group's stored offset past the range
 * and clears the mark, all or nothing (the send happens inside the PostgreSQL transaction, before
 * its commit). A running consumer resumes the partition once it sees the mark gone.
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
    return await unstickPartition(sql, where, async (mark) => {
      await producer.send({
        topic: dlqTopic(where.topic),
        acks: -1,
        messages: [skippedRangeMessage(mark)],
      });
    });
  } finally {
    await producer.disconnect();
  }
}
