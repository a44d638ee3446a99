import assert from "node:assert/strict";
import { produceRecords } from "../../lib/produce/produce_records.ts";
import { centsToDecimal } from "../../lib/core/money.ts";
import { findDrift } from "../../lib/store/verify.ts";
import { ConsumerProcess } from "../support/faults.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { expectedTotals } from "../support/money.ts";
import {
  createTestDatabase,
  createTestTopic,
  storedOffsetSum,
  testKafka,
} from "../support/services.ts";

Deno.test({
  name: "a consumer killed with SIGKILL mid-stream and started again gives exact totals",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(30_000, 31);
    const stored = () => storedOffsetSum(db.sql, group);
    let first = new ConsumerProcess(db.url, topic, group, "first");
    try {
      const produced = produceRecords(records.map((record, i) => ({ line: i + 1, record })), {
        kafka: testKafka(),
        topic,
        partitions: 3,
        delayMs: [0, 0],
        batchSize: 1000,
      });
      await waitFor(
        async () => (await stored()) > 3000,
        "the first consumer to store some sales",
        90_000,
      );
      const killedStatus = await first.stop("SIGKILL");
      assert.equal(killedStatus.signal, "SIGKILL");
      const atKill = await stored();
      assert.ok(
        atKill < records.length,
        `the consumer finished (${atKill}) before it could be killed`,
      );
      await produced;

      first = new ConsumerProcess(db.url, topic, group, "second");
      await waitFor(
        async () => (await stored()) === records.length,
        "all offsets stored after restart",
        120_000,
      );
      const status = await first.stop("SIGTERM");
      assert.equal(
        status.code,
        0,
        `SIGTERM ends the consumer cleanly:\n${first.output.slice(-2000)}`,
      );

      const want = expectedTotals(records);
      const [t] = await db
        .sql`select sales_count::int, revenue::text, cost::text from sales_totals`;
      assert.deepEqual({ ...t }, {
        sales_count: want.count,
        revenue: centsToDecimal(want.revenue),
        cost: centsToDecimal(want.cost),
      });
      assert.deepEqual(await findDrift(db.sql), []);
      console.log(
        `killed at ${atKill}/${records.length} stored offsets; after restart ${want.count} sales, exact`,
      );
    } finally {
      await first.stop("SIGKILL");
      await db.close();
    }
  },
});
