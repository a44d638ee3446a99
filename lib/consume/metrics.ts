/**
 * The consumer's metrics (names are a contract: ../../README.md "Operating it") and its readiness:
 * counters the batch path bumps (cheap: a few additions per batch), the lag and the stuck
 * partitions read when Prometheus scrapes.
 */
import client from "prom-client";
import type { Sql } from "../infra/db.ts";
import type { Readiness, Registry } from "../infra/metrics_server.ts";
import { databaseUnready } from "../infra/migrate.ts";
import { selectOffsets } from "../store/queries.ts";
import { consumerLag, type EndOffsetsReader } from "./lag.ts";
import type { BatchOutcome, ConsumerObserver } from "./runner.ts";

/** The buckets of the batch duration, in seconds: 5 ms to 30 s. */
const BATCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** What the consumer's metrics and readiness read: its database, group, topic and end offsets. */
export interface ConsumerMetricsSource {
  sql: Sql;
  groupId: string;
  topic: string;
  endOffsets: EndOffsetsReader;
}

/** The consumer's metrics in `registry`, the observer the runner tells, and its readiness. */
export interface ConsumerMetrics {
  observer: ConsumerObserver;
  readiness: Readiness;
  /** set once the consumer has joined its group */
  started(): void;
}

/** Registers the consumer's metrics in `registry`. */
export function consumerMetrics(
  registry: Registry,
  source: ConsumerMetricsSource,
): ConsumerMetrics {
  const { sql, groupId, topic, endOffsets } = source;
  const messages = new client.Counter({
    name: "sales_consumer_messages_total",
    help: "Messages the consumer handled, by outcome: inserted (a new sale stored), duplicate " +
      "(a re-delivered sale, stored once), rejected (bad data or a sale_id stored with other " +
      "content), dead_lettered (written to the dead-letter topic)",
    labelNames: ["outcome"] as const,
    registers: [registry],
  });
  const inserted = messages.labels("inserted");
  const duplicate = messages.labels("duplicate");
  const rejected = messages.labels("rejected");
  const deadLettered = messages.labels("dead_lettered");
  const batchDuration = new client.Histogram({
    name: "sales_consumer_batch_duration_seconds",
    help: "Time from a fetched batch's handling to its commit in PostgreSQL, per partition batch",
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const rebalances = new client.Counter({
    name: "sales_consumer_rebalances_total",
    help: "Times this consumer joined its group (start and every rebalance)",
    registers: [registry],
  });
  let stuck: number[] = [];
  new client.Gauge({
    name: "sales_consumer_stuck_partitions",
    help: "Partitions this consumer stopped at a batch it cannot decode (see deno task unstick)",
    registers: [registry],
    collect() {
      this.set(stuck.length);
    },
  });
  new client.Gauge({
    name: "sales_consumer_lag_messages",
    help: "Messages on Kafka the consumer has not stored yet: the end offset minus the next " +
      "offset stored in PostgreSQL, per partition (absent while Kafka or PostgreSQL does not answer)",
    labelNames: ["topic", "partition"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const [ends, stored] = await Promise.all([
          endOffsets.read(),
          selectOffsets(sql, groupId, topic),
        ]);
        for (const p of consumerLag(ends, stored) ?? []) {
          this.set({ topic, partition: String(p.partition) }, Number(p.lag));
        }
      } catch {
        // PostgreSQL does not answer: the lag is unknown, and shown as absent
      }
    },
  });
  for (const outcome of [inserted, duplicate, rejected, deadLettered]) outcome.inc(0);

  let joined = false;
  return {
    started: () => joined = true,
    observer: {
      batch(outcome: BatchOutcome) {
        inserted.inc(outcome.inserted);
        duplicate.inc(outcome.duplicates);
        rejected.inc(outcome.rejected);
        deadLettered.inc(outcome.deadLettered);
        batchDuration.observe(outcome.seconds);
      },
      rebalance: () => rebalances.inc(),
      stuck: (partitions) => stuck = partitions,
    },
    async readiness() {
      if (!joined) return "starting: joining the consumer group";
      if (stuck.length > 0) {
        return `partition ${stuck.join(", ")} stopped at a batch it cannot decode; ` +
          "see deno task unstick";
      }
      const database = await databaseUnready(sql);
      if (database) return database;
      if (!await endOffsets.read()) return "Kafka does not answer";
      return undefined;
    },
  };
}
