import assert from "node:assert/strict";
import { produceRecords } from "../lib/producer_runner.ts";
import { centsToDecimal } from "../lib/sale.ts";
import { findDrift } from "../lib/verify.ts";
import {
  createTestDatabase,
  createTestTopic,
  expectedTotals,
  sampleRecords,
  testKafka,
  uniqueSuffix,
  waitFor,
} from "./helpers.ts";

const CONSUMER = new URL("../consumer.ts", import.meta.url).pathname;

/** Starts `deno task consume` as its own process against the test database and topic. */
function spawnConsumer(url: string, topic: string, group: string) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      CONSUMER,
      "--quiet",
      "--topic",
      topic,
      "--group",
      group,
      "--database-url",
      url,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

Deno.test({
  name: "a consumer killed with SIGKILL mid-stream and started again gives exact totals",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(30_000, 31);
    const stored = async () => {
      const [r] = await db
        .sql`select coalesce(sum(next_offset), 0)::int as n from consumer_offsets where group_id = ${group}`;
      return r!.n as number;
    };
    let first = spawnConsumer(db.url, topic, group);
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
      first.kill("SIGKILL");
      const killedStatus = await first.status;
      assert.equal(killedStatus.signal, "SIGKILL");
      const atKill = await stored();
      assert.ok(
        atKill < records.length,
        `the consumer finished (${atKill}) before it could be killed`,
      );
      await produced;

      first = spawnConsumer(db.url, topic, group);
      await waitFor(
        async () => (await stored()) === records.length,
        "all offsets stored after restart",
        120_000,
      );
      first.kill("SIGTERM");
      const status = await first.status;
      assert.equal(status.code, 0, "SIGTERM ends the consumer cleanly");

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
      try {
        first.kill("SIGKILL");
      } catch { /* already gone */ }
      await first.stdout.cancel().catch(() => {});
      await first.stderr.cancel().catch(() => {});
      await db.close();
    }
  },
});
