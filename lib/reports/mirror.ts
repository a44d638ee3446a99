/** Reads compacted topics from the beginning and keeps the latest value of every key. */
import type { Consumer, Kafka } from "kafkajs";

/** The latest JSON value per key, per topic. */
export type Mirrored = Map<string, Map<string, Record<string, unknown>>>;

/** A consumer (its own throw-away group, read-committed) mirroring topics; `caughtUp()` waits for their end. */
export class TopicMirror {
  readonly values: Mirrored = new Map();
  /** values that were not JSON */
  unreadable = 0;
  /** next offset to read per "topic:partition", transaction markers included */
  readonly #position = new Map<string, bigint>();
  /** messages behind the end of each "topic:partition", as its last fetch told */
  readonly #lag = new Map<string, number>();
  #consumer: Consumer;
  #stopped = false;

  private constructor(private kafka: Kafka, private topics: string[], groupId: string) {
    this.#consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
    for (const t of topics) this.values.set(t, new Map());
  }

  /** Starts mirroring the topics (which must exist) from their beginning. */
  static async start(kafka: Kafka, topics: string[], groupPrefix: string): Promise<TopicMirror> {
    const mirror = new TopicMirror(kafka, topics, `${groupPrefix}-${crypto.randomUUID()}`);
    const consumer = mirror.#consumer;
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      // lastOffset counts control records (commit/abort markers), so it reaches the high watermark.
      const key = `${payload.topic}:${payload.partition}`;
      mirror.#position.set(key, BigInt(payload.lastOffset) + 1n);
      mirror.#lag.set(key, Number(payload.offsetLag));
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
    } catch (error) {
      await consumer.disconnect().catch(() => {}); // leave no connection behind on a failed start
      throw error;
    }
    await consumer.run({
      eachBatch: ({ batch }) => {
        const table = mirror.values.get(batch.topic)!;
        for (const m of batch.messages) {
          const key = m.key?.toString() ?? "";
          if (m.value === null) table.delete(key); // tombstone
          else {
            try {
              table.set(key, JSON.parse(m.value.toString()));
            } catch {
              mirror.unreadable++; // not written by the reports process: skipped, never retried
            }
          }
        }
        return Promise.resolve();
      },
    });
    return mirror;
  }

  /** Resolves once everything committed to the topics before the call has been read. */
  async caughtUp(timeoutMs = 60_000): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    const targets: [string, bigint, bigint][] = [];
    try {
      for (const t of this.topics) {
        for (const p of await admin.fetchTopicOffsets(t)) {
          targets.push([`${t}:${p.partition}`, BigInt(p.low), BigInt(p.high)]);
        }
      }
    } finally {
      await admin.disconnect();
    }
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (this.#stopped) throw new Error("the topic reader was stopped before it caught up");
      const done = targets.every(([key, low, high]) =>
        high <= low || (this.#position.get(key) ?? -1n) >= high
      );
      if (done) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `reading ${this.topics.join(", ")} did not finish within ${timeoutMs / 1000} s`,
    );
  }

  /** Messages behind the topics' ends, summed over their partitions, as the last fetches told. */
  lag = (): number => [...this.#lag.values()].reduce((sum, n) => sum + n, 0);

  /** Stops reading and leaves the throw-away group. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#consumer.disconnect();
  }
}
