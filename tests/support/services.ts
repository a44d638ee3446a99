/**
 * Fixtures of the tests that use the shared Kafka and PostgreSQL (KAFKA_BROKERS, DATABASE_URL): a
 * fresh database and topic per test, sales sent through the real producer, the real consumer
 * in-process, and reading back what they stored.
 */
import assert from "node:assert/strict";
import type { Kafka } from "kafkajs";
import type { SaleRecord } from "../../lib/core/sale.ts";
import {
  type ConsumerOptions,
  type RunningConsumer,
  startConsumer,
} from "../../lib/consume/runner.ts";
import { loadConfig } from "../../lib/infra/config.ts";
import { connect, maintenanceUrl, type Sql } from "../../lib/infra/db.ts";
import { createKafka, ensureTopic, quietKafkaTimerWarnings } from "../../lib/infra/kafka.ts";
import { migrate } from "../../lib/infra/migrate.ts";
import { produceRecords } from "../../lib/produce/produce_records.ts";
import { uniqueSuffix, waitFor } from "./fixtures.ts";

/** Settings of the services under test (the same environment variables as the tasks). */
export const config = loadConfig();

// The tests use kafkajs in-process, as the entrypoints do.
quietKafkaTimerWarnings();

/** A migrated database of its own; `close()` disconnects and drops it. */
export interface TestDatabase {
  url: string;
  sql: Sql;
  close(): Promise<void>;
}

/** Creates and migrates a fresh database named sales_test_<random>. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `sales_test_${uniqueSuffix()}`;
  const admin = connect(maintenanceUrl(config.databaseUrl), { max: 1 });
  await admin`create database ${admin(name)}`;
  const u = new URL(config.databaseUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const sql = connect(url, { max: 4 });
  await migrate(sql);
  return {
    url,
    sql,
    async close() {
      await sql.end({ timeout: 5 });
      await admin`drop database if exists ${admin(name)} with (force)`;
      await admin.end({ timeout: 5 });
    },
  };
}

/**
 * Another session holds `table` in ACCESS EXCLUSIVE mode for `ms`, so every read of it waits: the
 * promise resolves once the lock is granted, `released` once it is let go (its client closed).
 */
export async function holdTableLock(
  db: TestDatabase,
  table: string,
  ms: number,
): Promise<{ released: Promise<void> }> {
  const locker = connect(db.url, { max: 1 });
  const released = locker.begin(async (tx) => {
    await tx`lock table ${tx(table)} in access exclusive mode`;
    await tx`select pg_sleep(${ms / 1000})`;
  }).then(() => {}).finally(() => locker.end({ timeout: 5 }));
  await waitFor(
    async () => {
      const [lock] = await db.sql`
      select 1 from pg_locks where relation = ${table}::regclass
        and mode = 'AccessExclusiveLock' and granted`;
      return lock !== undefined;
    },
    `the lock on ${table}`,
    5_000,
  );
  return { released };
}

/** A kafkajs client for tests. */
export function testKafka(clientId = "sales-tests") {
  return createKafka(config.kafkaBrokers, clientId);
}

/** Creates a topic of its own with the given partitions; returns its name. */
export async function createTestTopic(partitions = 3): Promise<string> {
  const topic = `sales_test_${uniqueSuffix()}`;
  await ensureTopic(testKafka(), topic, partitions);
  return topic;
}

/** A message read back from a topic, with the dead-letter headers as text. */
export interface ReadMessage {
  key: string;
  value: string;
  error: string;
  offset: string;
}

/**
 * Reads every message of a topic, up to its end offsets at the time of the call, through `kafka`
 * (default: the tests' plaintext client).
 */
export async function readAllMessages(
  topic: string,
  kafka: Kafka = testKafka("sales-tests-reader"),
): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const end = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `read-${uniqueSuffix()}` });
  const seen: ReadMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      seen.push({
        key: message.key?.toString() ?? "",
        value: message.value?.toString() ?? "",
        error: message.headers?.error?.toString() ?? "",
        offset: message.headers?.["source-offset"]?.toString() ?? "",
      });
      return Promise.resolve();
    },
  });
  try {
    await waitFor(() => Promise.resolve(seen.length >= end), `${end} messages on ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** Sends the records through the real producer in bulk; fails unless every one was sent. */
export async function produceAll(topic: string, records: SaleRecord[], partitions = 3) {
  const summary = await produceRecords(
    records.map((record, i) => ({ line: i + 1, record })),
    { kafka: testKafka("sales-tests-producer"), topic, partitions, delayMs: [0, 0] },
  );
  assert.equal(summary.sent, records.length);
  return summary;
}

/** Sum of a group's committed offsets on a topic (an unset offset counts as 0). */
export async function committedOffsets(group: string, topic: string): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return t!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Sum of the next offsets the PostgreSQL consumer of `group` has stored (0 when none). */
export async function storedOffsetSum(sql: Sql, group: string): Promise<number> {
  const [r] = await sql`
    select coalesce(sum(next_offset), 0)::int as n from consumer_offsets where group_id = ${group}`;
  return r!.n as number;
}

/** What a test's consumer needs; the rest defaults to the tests' Kafka client, a fresh group, no log. */
export type TestConsumerOptions =
  & Pick<ConsumerOptions, "sql" | "topic" | "partitions">
  & Partial<ConsumerOptions>;

/** The real consumer (startConsumer), in-process, over a test's topic; `groupId` is its group. */
export async function startTestConsumer(
  options: TestConsumerOptions,
): Promise<RunningConsumer & { groupId: string }> {
  const groupId = options.groupId ?? `g-${uniqueSuffix()}`;
  const consumer = await startConsumer({ kafka: testKafka(), log: () => {}, ...options, groupId });
  return Object.assign(consumer, { groupId });
}
