/** The consumer's offsets in PostgreSQL: read per group, moved by compare-and-set inside a batch. */
import type { Sql } from "../infra/db.ts";

/** Thrown when the stored offset is not the expected one: another consumer owns or moved the partition. */
export class OffsetConflictError extends Error {
  override name = "OffsetConflictError";
}

/** Where a batch's offsets go: the partition and the offset range it moves. */
export interface OffsetMove {
  groupId: string;
  topic: string;
  partition: number;
  /** next_offset stored for this partition before the batch; null when none is stored yet */
  expectedOffset: string | null;
  /** offset after the last message of the batch */
  nextOffset: string;
}

/** Moves the partition's stored offset from expectedOffset to nextOffset, or throws OffsetConflictError. */
export async function storeOffset(tx: Sql, input: OffsetMove): Promise<void> {
  const { groupId, topic, partition, expectedOffset, nextOffset } = input;
  const rows = expectedOffset === null
    ? await tx`
        insert into consumer_offsets (group_id, topic, partition, next_offset)
        values (${groupId}, ${topic}, ${partition}, ${nextOffset})
        on conflict do nothing returning 1`
    : await tx`
        update consumer_offsets set next_offset = ${nextOffset}, updated_at = now()
        where group_id = ${groupId} and topic = ${topic} and partition = ${partition}
          and next_offset = ${expectedOffset}
        returning 1`;
  if (rows.length !== 1) {
    throw new OffsetConflictError(
      `offset of ${topic}[${partition}] for group ${groupId} is no longer ${
        expectedOffset ?? "unset"
      }; ` +
        "another consumer wrote it, the batch was rolled back",
    );
  }
}

/** The stored next offsets of a group's partitions on a topic. */
export async function storedOffsets(
  sql: Sql,
  groupId: string,
  topic: string,
): Promise<Map<number, string>> {
  const rows = await sql`
    select partition, next_offset from consumer_offsets
    where group_id = ${groupId} and topic = ${topic}`;
  return new Map(rows.map((r) => [r.partition as number, r.next_offset as string]));
}
