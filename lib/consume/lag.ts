/** The consumer's lag per partition: Kafka end offsets (cached admin client) minus the offsets it stored in PostgreSQL. */
import type { Admin, Kafka } from "kafkajs";
import { settledWithin } from "../core/async.ts";
import { errorChain } from "../infra/kafka.ts";
import type { OffsetRow } from "../store/queries.ts";
import type { StuckPartition } from "../store/stuck_partitions.ts";

/** The lag of one partition: messages on Kafka the consumer has not stored yet. */
export interface PartitionLag {
  partition: number;
  /** Kafka's end offset (high watermark) */
  end: string;
  /** the stored next offset, or null when the consumer has stored none for the partition */
  next: string | null;
  lag: string;
  /** set when the consumer stopped the partition at a batch it cannot decode */
  stuck: { from: string; to: string; reason: string } | null;
}

/**
 * Reads a topic's end offsets by partition: null when Kafka cannot tell right now (unreachable),
 * an empty map when Kafka answers that the topic does not exist yet (a topic has partitions).
 */
export interface EndOffsetsReader {
  read(): Promise<Map<number, string> | null>;
  close(): Promise<void>;
}

/** Options: how long a read waits for Kafka and how long a result is reused; a logger. */
export interface EndOffsetsOptions {
  /** the longest the first read waits; later reads wait at most 200 ms, then keep the last answer */
  waitMs?: number;
  reuseMs?: number;
  /** told once when Kafka stops answering and once when it answers again */
  log?: (line: string) => void;
}

/** Reads end offsets through one admin client, reconnecting after a failure, never throwing. */
export function kafkaEndOffsets(
  kafka: Kafka,
  topic: string,
  options: EndOffsetsOptions = {},
): EndOffsetsReader {
  const waitMs = options.waitMs ?? 1_500;
  const reuseMs = options.reuseMs ?? 1_000;
  const log = options.log ?? (() => {});
  let admin: Admin | null = null;
  let connecting: Promise<Admin> | null = null;
  let last: { at: number; offsets: Map<number, string> | null } | null = null;
  let inFlight: Promise<void> | null = null;
  let closed = false;

  const connected = () => {
    if (admin) return Promise.resolve(admin);
    connecting ??= (async () => {
      const client = kafka.admin();
      try {
        await client.connect();
      } catch (error) {
        await client.disconnect().catch(() => {});
        throw error;
      }
      return admin = client;
    })().finally(() => connecting = null);
    return connecting;
  };

  const fetch = async () => {
    let client: Admin | null = null;
    try {
      client = await connected();
      const partitions = await client.fetchTopicOffsets(topic);
      if (last && !last.offsets) log(`Kafka answers again; consumer lag of ${topic} is shown`);
      last = { at: Date.now(), offsets: new Map(partitions.map((p) => [p.partition, p.high])) };
    } catch (error) {
      if (client && unknownTopic(error)) {
        // Kafka answered: the topic has not been created yet (nothing produced to it).
        if (!last || last.offsets?.size !== 0) log(`topic ${topic} does not exist yet; no lag`);
        last = { at: Date.now(), offsets: new Map() };
        return;
      }
      if (!last || last.offsets) {
        log(`Kafka end offsets of ${topic} unavailable (${(error as Error).message}); lag unknown`);
      }
      last = { at: Date.now(), offsets: null };
      const broken = admin;
      admin = null;
      await broken?.disconnect().catch(() => {});
    }
  };

  return {
    async read() {
      if (closed) return null;
      if (last && Date.now() - last.at < reuseMs) return last.offsets;
      inFlight ??= fetch().finally(() => inFlight = null);
      await settledWithin(inFlight, last ? Math.min(200, waitMs) : waitMs);
      return last?.offsets ?? null; // on a timeout: the previous answer (null the first time)
    },
    async close() {
      closed = true;
      while (inFlight) await inFlight;
      await admin?.disconnect().catch(() => {});
      admin = null;
    },
  };
}

/** Whether a kafkajs error (possibly wrapped in "retries exceeded") says the topic does not exist. */
function unknownTopic(error: unknown): boolean {
  return errorChain(error).some((e) => e.type === "UNKNOWN_TOPIC_OR_PARTITION");
}

/**
 * Lag per partition, with the mark of a partition stopped at an undecodable batch; null when the end offsets are unknown (Kafka unreachable), [] when the
 * topic does not exist yet.
 */
export function consumerLag(
  endOffsets: Map<number, string> | null,
  stored: OffsetRow[],
  stuck: StuckPartition[] = [],
): PartitionLag[] | null {
  if (!endOffsets) return null;
  const next = new Map(stored.map((row) => [row.partition, row.next_offset]));
  const marks = new Map(stuck.map((m) => [m.partition, m]));
  return [...endOffsets.entries()].sort(([a], [b]) => a - b).map(([partition, end]) => {
    const storedNext = next.get(partition) ?? null;
    const lag = BigInt(end) - BigInt(storedNext ?? "0");
    const mark = marks.get(partition);
    return {
      partition,
      end,
      next: storedNext,
      lag: String(lag < 0n ? 0n : lag),
      stuck: mark ? { from: mark.fromOffset, to: mark.toOffset, reason: mark.reason } : null,
    };
  });
}
