/** Partitions stopped at an undecodable batch: marked by the consumer, cleared by the operator. */
import type { Sql } from "../infra/db.ts";
import { storeOffset } from "./offsets.ts";

/** A partition the consumer stopped at a batch it cannot decode. */
export interface StuckPartition {
  groupId: string;
  topic: string;
  partition: number;
  /** offsets of the undecodable batch, first and last */
  fromOffset: string;
  toOffset: string;
  reason: string;
  stuckAt: Date;
}

/**
 * Records (or updates) the mark of a stuck partition with the undecodable batch's bytes as fetched
 * (kept for the dead-letter topic; the dashboard's role cannot read them).
 */
export async function markStuck(
  sql: Sql,
  mark: Omit<StuckPartition, "stuckAt"> & { batch: Uint8Array },
): Promise<void> {
  const { groupId, topic, partition, fromOffset, toOffset, reason, batch } = mark;
  await sql`
    insert into stuck_partitions (group_id, topic, partition, from_offset, to_offset, reason, batch)
    values (${groupId}, ${topic}, ${partition}, ${fromOffset}, ${toOffset}, ${reason}, ${batch})
    on conflict (group_id, topic, partition) do update set
      from_offset = excluded.from_offset, to_offset = excluded.to_offset,
      reason = excluded.reason, batch = excluded.batch, stuck_at = now()
    where (stuck_partitions.from_offset, stuck_partitions.to_offset, stuck_partitions.reason,
        stuck_partitions.batch)
      is distinct from (excluded.from_offset, excluded.to_offset, excluded.reason, excluded.batch)`;
}

/** The group's stuck partitions on a topic, by partition. */
export async function stuckPartitions(
  sql: Sql,
  groupId: string,
  topic: string,
): Promise<StuckPartition[]> {
  const rows = await sql`
    select partition, from_offset::text, to_offset::text, reason, stuck_at
    from stuck_partitions where group_id = ${groupId} and topic = ${topic}
    order by partition`;
  return rows.map((r) => ({
    groupId,
    topic,
    partition: r.partition as number,
    fromOffset: r.from_offset as string,
    toOffset: r.to_offset as string,
    reason: r.reason as string,
    stuckAt: r.stuck_at as Date,
  }));
}

/** Thrown when a partition cannot be unstuck: not stuck, or its stored offset is not at the mark. */
export class UnstickError extends Error {
  override name = "UnstickError";
}

/**
 * Moves the partition's stored offset past its stuck range and deletes the mark, in one
 * transaction; `beforeCommit` (the dead letters) runs inside it with the batch's bytes (null on a
 * mark made before they were kept), so a failure leaves both as they were. Refuses when the stored
 * offset is before the range (good messages would be skipped). Returns the mark that was cleared.
 */
export async function unstickPartition(
  sql: Sql,
  where: { groupId: string; topic: string; partition: number },
  beforeCommit: (mark: StuckPartition, batch: Uint8Array | null) => Promise<void>,
): Promise<StuckPartition> {
  const { groupId, topic, partition } = where;
  return await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    const [row] = await t`
      select from_offset::text, to_offset::text, reason, stuck_at, batch from stuck_partitions
      where group_id = ${groupId} and topic = ${topic} and partition = ${partition}
      for update`;
    if (!row) {
      throw new UnstickError(`${topic}[${partition}] is not stuck for group ${groupId}`);
    }
    const mark: StuckPartition = {
      ...where,
      fromOffset: row.from_offset,
      toOffset: row.to_offset,
      reason: row.reason,
      stuckAt: row.stuck_at,
    };
    const [stored] = await t`
      select next_offset::text from consumer_offsets
      where group_id = ${groupId} and topic = ${topic} and partition = ${partition}
      for update`;
    const storedNext = (stored?.next_offset as string | undefined) ?? null;
    const nextOffset = String(BigInt(mark.toOffset) + 1n);
    if (storedNext !== null && BigInt(storedNext) < BigInt(mark.fromOffset)) {
      throw new UnstickError(
        `the stored offset of ${topic}[${partition}] is ${storedNext}, before the stuck range ` +
          `${mark.fromOffset}..${mark.toOffset}: the messages between would be skipped; ` +
          "let the consumer store them first",
      );
    }
    if (storedNext === null || BigInt(storedNext) < BigInt(nextOffset)) {
      await storeOffset(t, { ...where, expectedOffset: storedNext, nextOffset });
      await beforeCommit(mark, (row.batch as Uint8Array | null) ?? null);
    }
    await t`
      delete from stuck_partitions
      where group_id = ${groupId} and topic = ${topic} and partition = ${partition}`;
    return mark;
  });
}
