import assert from "node:assert/strict";
import { partitionForKey } from "../../lib/core/partitioner.ts";
import type { Skip } from "../../lib/produce/bad_lines.ts";
import { produceRecords } from "../../lib/produce/produce_records.ts";
import { sampleRecords, uniqueSuffix } from "../support/fixtures.ts";
import { createTestTopic, readAllMessages, testKafka } from "../support/services.ts";

const KAFKA_TEST = { sanitizeOps: false, sanitizeResources: false };

/** Messages on each partition of the topic (its end offsets). */
async function endOffsets(topic: string): Promise<Record<number, number>> {
  const admin = testKafka("produce-records-admin").admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return Object.fromEntries(offsets.map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

Deno.test({
  name:
    "produceRecords() sends each record once, keyed by its sale_id, to the partition partitionForKey() gives",
  ...KAFKA_TEST,
  fn: async () => {
    const topic = await createTestTopic(3);
    const records = sampleRecords(600, 83);
    const summary = await produceRecords(
      records.map((record, i) => ({ line: i + 1, record })),
      { kafka: testKafka(), topic, partitions: 3, delayMs: [0, 0], batchSize: 250 },
    );
    const want: Record<number, number> = { 0: 0, 1: 0, 2: 0 };
    for (const r of records) want[partitionForKey(String(r.sale_id), 3)]!++;
    assert.deepEqual(summary, { sent: 600, skipped: 0, failed: 0, byPartition: want });
    assert.deepEqual(await endOffsets(topic), want);
    const messages = await readAllMessages(topic);
    const byKey = (pairs: [string, unknown][]) => pairs.sort(([x], [y]) => x < y ? -1 : 1);
    assert.deepEqual(
      byKey(messages.map((m) => [m.key, JSON.parse(m.value)])),
      byKey(records.map((r) => [String(r.sale_id), r])),
    );
  },
});

Deno.test({
  name:
    "one at a time, each sent record is reported with its partition and offset, each skipped line once, in input order",
  ...KAFKA_TEST,
  fn: async () => {
    const topic = await createTestTopic(2);
    const [a, b, c, d] = sampleRecords(4, 84);
    const reports: string[] = [];
    const skips: Skip[] = [];
    const progress: number[] = [];
    const summary = await produceRecords([
      { line: 1, record: a },
      { line: 2, error: "not JSON" },
      { line: 3, record: b },
      { line: 4, record: { ...c, email: "nope" } },
      { line: 5, record: c },
      { line: 6, record: d },
    ], {
      kafka: testKafka(),
      topic,
      partitions: 2,
      delayMs: [1, 5],
      report: (line) => reports.push(line),
      skipped: (skip) => skips.push(skip),
      progress: (handled) => progress.push(handled),
    });
    assert.deepEqual([summary.sent, summary.skipped, summary.failed], [4, 2, 0]);
    const next = [0, 0];
    assert.deepEqual(
      reports,
      [a, b, c, d].map((r) => {
        const p = partitionForKey(String(r!.sale_id), 2);
        return `delivered sale_id ${r!.sale_id} to ${topic} [${p}] @ ${next[p]!++}`;
      }),
    );
    assert.deepEqual(skips.map((s) => [s.line, s.saleId]), [[2, undefined], [4, c!.sale_id]]);
    assert.match(skips[1]!.reason, /^invalid_field: email: /);
    assert.equal(progress.at(-1), 6);
    assert.deepEqual(await endOffsets(topic), { 0: next[0], 1: next[1] });
  },
});

Deno.test({
  name: "stopped() ends a run between messages: what was sent is counted and nothing more",
  ...KAFKA_TEST,
  fn: async () => {
    const topic = await createTestTopic(1);
    const records = sampleRecords(20, 85);
    let sent = 0;
    const summary = await produceRecords(
      records.map((record, i) => ({ line: i + 1, record })),
      {
        kafka: testKafka(),
        topic,
        partitions: 1,
        delayMs: [1, 2],
        report: () => sent++,
        stopped: () => sent >= 3,
      },
    );
    assert.deepEqual(summary, { sent: 3, skipped: 0, failed: 0, byPartition: { 0: 3 } });
    assert.deepEqual(await endOffsets(topic), { 0: 3 });
  },
});

Deno.test({
  name: "without a valid record nothing is sent and no topic is created",
  ...KAFKA_TEST,
  fn: async () => {
    const topic = `sales_test_${uniqueSuffix()}`;
    const summary = await produceRecords(
      [{ line: 1, error: "not UTF-8" }, { line: 2, record: { sale_id: "x" } }],
      { kafka: testKafka(), topic, partitions: 1, delayMs: [0, 0] },
    );
    assert.deepEqual(summary, { sent: 0, skipped: 2, failed: 0, byPartition: {} });
    const admin = testKafka("produce-records-admin").admin();
    await admin.connect();
    try {
      assert.equal((await admin.listTopics()).includes(topic), false);
    } finally {
      await admin.disconnect();
    }
  },
});
