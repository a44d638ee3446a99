import assert from "node:assert/strict";
import { idempotentProducer } from "../../lib/infra/kafka.ts";
import { sampleRecords, waitFor } from "../support/fixtures.ts";
import {
  createTestDatabase,
  createTestTopic,
  produceAll,
  startTestConsumer,
  storedOffsetSum,
  type TestDatabase,
  testKafka,
} from "../support/services.ts";
import { runScript } from "../support/tasks.ts";

/** Runs `deno task verify` on the database; returns its exit code and output. */
function verify(url: string) {
  return runScript("scripts/verify.ts", ["--database-url", url]);
}

const NO_DRIFT = "no drift: every aggregate equals a GROUP BY over sales\n";

/** Consumes every message of the topic into the database with the real consumer, then stops it. */
async function consumeAll(db: TestDatabase, topic: string, messages: number) {
  const consumer = await startTestConsumer({ sql: db.sql, topic, partitions: 2 });
  try {
    await waitFor(
      async () => await storedOffsetSum(db.sql, consumer.groupId) === messages,
      "all stored",
    );
  } finally {
    await consumer.stop();
  }
}

Deno.test("deno task verify finds no drift in an empty database, exit 0", async () => {
  const db = await createTestDatabase();
  try {
    const { code, stdout, stderr } = await verify(db.url);
    assert.equal(code, 0, `${stdout}${stderr}`);
    assert.equal(stdout, NO_DRIFT);
  } finally {
    await db.close();
  }
});

Deno.test({
  name: "deno task verify finds no drift when every message was rejected, exit 0",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(2);
    const producer = idempotentProducer(testKafka());
    try {
      await producer.connect();
      const bad = ["not json", "{}", '{"sale_id": 1}', "[]", "null", '{"sale_price": "NaN"}'];
      await producer.send({
        topic,
        messages: bad.map((value, i) => ({ key: `bad-${i}`, value, partition: i % 2 })),
      });
      await consumeAll(db, topic, bad.length);
      const [t] = await db.sql`select sales_count::int, rejected::int from sales_totals`;
      assert.deepEqual({ ...t }, { sales_count: 0, rejected: bad.length });
      const { code, stdout, stderr } = await verify(db.url);
      assert.equal(code, 0, `${stdout}${stderr}`);
      assert.equal(stdout, NO_DRIFT);
    } finally {
      await producer.disconnect();
      await db.close();
    }
  },
});

Deno.test({
  name: "deno task verify names an aggregate one cent off, exit 1",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(2);
    try {
      await produceAll(topic, sampleRecords(30, 23), 2);
      await consumeAll(db, topic, 30);
      assert.equal((await verify(db.url)).code, 0, "no drift before the change");
      const [row] = await db.sql`
        update agg_category set revenue_cents = revenue_cents + 1
        where (part, category_id) = (
          select part, category_id from agg_category order by part, category_id limit 1)
        returning part, category_id, sales_count::int, revenue_cents::text, cost_cents::text`;
      const { code, stdout } = await verify(db.url);
      assert.equal(code, 1, stdout);
      /** Stored whole cents as the decimal amount verify prints. */
      const decimal = (c: string) =>
        `${BigInt(c) / 100n}.${String(BigInt(c) % 100n).padStart(2, "0")}`;
      const was = `${BigInt(row!.revenue_cents) - 1n}`;
      assert.equal(
        stdout,
        `agg_category ${row!.part}/${row!.category_id}: stored ${row!.sales_count} sales, ` +
          `${decimal(row!.revenue_cents)} revenue, ${decimal(row!.cost_cents)} cost; from sales ` +
          `${row!.sales_count} sales, ${decimal(was)} revenue, ${decimal(row!.cost_cents)} cost\n` +
          "1 rows drift\n",
      );
    } finally {
      await db.close();
    }
  },
});
