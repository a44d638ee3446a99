import assert from "node:assert/strict";
import { Partitioners } from "kafkajs";
import { dlqTopic } from "../../lib/infra/kafka.ts";
import { centsToDecimal } from "../../lib/core/money.ts";
import { type SaleRecord } from "../../lib/core/sale.ts";
import { findDrift } from "../../lib/store/verify.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { expectedTotals, revenueBy } from "../support/money.ts";
import {
  createTestDatabase,
  createTestTopic,
  produceAll,
  readAllMessages,
  startTestConsumer,
  storedOffsetSum,
  testKafka,
} from "../support/services.ts";
import type { Sql } from "../../lib/infra/db.ts";

const KAFKA_TEST = { sanitizeOps: false, sanitizeResources: false };

async function assertExactTotals(sql: Sql, records: SaleRecord[]) {
  const want = expectedTotals(records);
  const [t] = await sql`select sales_count::int, revenue::text, cost::text from sales_totals`;
  assert.deepEqual({ ...t }, {
    sales_count: want.count,
    revenue: centsToDecimal(want.revenue),
    cost: centsToDecimal(want.cost),
  });
  const [s] = await sql`select count(*)::int as n, sum(sale_price)::text as revenue from sales`;
  assert.equal(s!.n, want.count);
  assert.equal(s!.revenue, centsToDecimal(want.revenue));
  assert.deepEqual(await findDrift(sql), []);
}

Deno.test({
  name: "the pipeline stores produced sales exactly: counts, sums to the cent and every aggregate",
  ...KAFKA_TEST,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const records = sampleRecords(2000, 21);
    const consumer = await startTestConsumer({ sql: db.sql, topic, partitions: 3 });
    const group = consumer.groupId;
    try {
      await produceAll(topic, records);
      await waitFor(
        async () => (await storedOffsetSum(db.sql, group)) === 2000,
        "2000 offsets stored",
      );
      await assertExactTotals(db.sql, records);

      // Per-category revenue computed here from the records themselves.
      const byCategory = revenueBy(records, (r) => String(r.category));
      const rows = await db.sql`
        select c.name, a.revenue::text from sales_by_category a join categories c using (category_id)`;
      assert.equal(rows.length, byCategory.size);
      for (const row of rows) assert.equal(row.revenue, byCategory.get(row.name)!);

      // Re-delivery: the same records produced again count once, as duplicates.
      await produceAll(topic, records);
      await waitFor(
        async () => (await storedOffsetSum(db.sql, group)) === 4000,
        "4000 offsets stored",
      );
      await assertExactTotals(db.sql, records);
      const [t] = await db.sql`select duplicates::int from sales_totals`;
      assert.equal(t!.duplicates, 2000);
    } finally {
      await consumer.stop();
      await db.close();
    }
  },
});

Deno.test({
  name: "bad messages go to the dead-letter topic with their reason and never stop the pipeline",
  ...KAFKA_TEST,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(1);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(20, 22);
    const kafka = testKafka();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const consumer = await startTestConsumer({
      kafka,
      sql: db.sql,
      topic,
      groupId: group,
      partitions: 1,
    });
    const bad = [
      "not json",
      JSON.stringify([records[0]]),
      JSON.stringify({ ...records[1], sale_price: -5, credit_card_number: "4111111111111111" }),
    ];
    try {
      await producer.send({
        topic,
        messages: [
          ...records.slice(0, 10).map((r) => ({
            key: String(r.sale_id),
            value: JSON.stringify(r),
          })),
          ...bad.map((value, i) => ({ key: `bad-${i}`, value })),
          ...records.slice(10).map((r) => ({ key: String(r.sale_id), value: JSON.stringify(r) })),
        ],
      });
      await waitFor(async () => (await storedOffsetSum(db.sql, group)) === 23, "23 offsets stored");
      await assertExactTotals(db.sql, records);
      const [t] = await db.sql`select rejected::int from sales_totals`;
      assert.equal(t!.rejected, 3);

      const letters = await readAllMessages(dlqTopic(topic));
      assert.equal(letters.length, 3);
      assert.deepEqual(letters.map((l) => l.key), ["bad-0", "bad-1", "bad-2"]);
      assert.match(letters[0]!.error, /^not_json: /);
      assert.match(letters[1]!.error, /^not_object: /);
      assert.match(letters[2]!.error, /^invalid_field: sale_price: negative/);
      assert.equal(letters[0]!.value, "not json");
      assert.deepEqual(letters.map((l) => l.offset), ["10", "11", "12"]);
      assert.ok(!letters[2]!.value.includes("4111111111111111"), "DLQ holds a full card number");
      assert.ok(letters[2]!.value.includes("************1111"));
    } finally {
      await producer.disconnect();
      await consumer.stop();
      await db.close();
    }
  },
});
