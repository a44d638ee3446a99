/** Partitions added to the sales topic while the consumer runs are read within 30 s. */
import assert from "node:assert/strict";
import { startConsumer } from "../../lib/consume/runner.ts";
import { centsToDecimal } from "../../lib/core/money.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { kcatProduce } from "../support/kcat.ts";
import { expectedTotals } from "../support/money.ts";
import { createTestDatabase, createTestTopic, testKafka } from "../support/services.ts";

Deno.test({
  name:
    "partitions added to the topic mid-stream are read within 30 s, every sale stored once to the cent",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(2);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(300, 61);
    const stream = records.slice(0, 200); // to partitions 0 and 1, 10 at a time
    const added = records.slice(200); // to the new partitions 2 and 3
    const consumer = await startConsumer({
      kafka: testKafka(),
      sql: db.sql,
      topic,
      groupId: group,
      partitions: 2,
      log: () => {},
    });
    const admin = testKafka("sales-tests-admin").admin();
    await admin.connect();
    const stored = async () => (await db.sql`select count(*)::int as n from sales`)[0]!.n;
    try {
      const streaming = (async () => {
        for (let i = 0; i < stream.length; i += 10) {
          await kcatProduce(topic, "gzip", stream.slice(i, i + 10), (i / 10) % 2);
        }
      })();
      await waitFor(async () => await stored() >= 30, "the stream flowing", 30_000);

      await admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] });
      const addedAt = performance.now();
      await kcatProduce(topic, "lz4", added.slice(0, 50), 2);
      await kcatProduce(topic, "none", added.slice(50), 3);
      await streaming;
      const left = 30_000 - (performance.now() - addedAt);
      await waitFor(
        async () => await stored() === 300,
        "all 300 sales",
        Math.max(Math.round(left), 0),
      );
      const seconds = (performance.now() - addedAt) / 1000;
      console.log(`the new partitions were read ${seconds.toFixed(1)} s after they were added`);

      const want = expectedTotals(records);
      const [s] = await db.sql`
        select count(*)::int as n, count(distinct sale_id)::int as ids,
          sum(sale_price)::text as revenue, sum(cost_price)::text as cost from sales`;
      assert.deepEqual({ ...s }, {
        n: 300,
        ids: 300,
        revenue: centsToDecimal(want.revenue),
        cost: centsToDecimal(want.cost),
      });
      const [t] = await db.sql`select sales_count::int, revenue::text from sales_totals`;
      assert.deepEqual({ ...t }, { sales_count: 300, revenue: centsToDecimal(want.revenue) });
      const offsets = await db.sql`
        select partition, next_offset::int from consumer_offsets
        where group_id = ${group} order by partition`;
      assert.deepEqual(offsets.map((r) => ({ ...r })), [
        { partition: 0, next_offset: 100 },
        { partition: 1, next_offset: 100 },
        { partition: 2, next_offset: 50 },
        { partition: 3, next_offset: 50 },
      ]);
    } finally {
      await admin.disconnect();
      await consumer.stop();
      await db.close();
    }
  },
});
