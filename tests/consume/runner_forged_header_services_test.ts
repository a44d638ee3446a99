/**
 * The consumer knows an undecodable batch from its own client, never from what a record carries: a
 * sale with the header the earlier consumer trusted (x-sales-undecodable), with a value, an empty
 * one or none, or with any other header, is an ordinary sale, and nothing of a header is logged or
 * shown.
 */
import assert from "node:assert/strict";
import { startConsumer } from "../../lib/consume/runner.ts";
import { kafkaEndOffsets } from "../../lib/consume/lag.ts";
import { roleUrl } from "../../lib/infra/config.ts";
import { connect } from "../../lib/infra/db.ts";
import { createDashboardKafka, dlqTopic } from "../../lib/infra/kafka.ts";
import { createSnapshotStores, loadSnapshot } from "../../lib/store/snapshot.ts";
import { FailedLogins } from "../../routes/auth.ts";
import { createApp } from "../../routes/app.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { expectedStoredTotals, storedTotals } from "../support/sales_sql.ts";
import { kcatProduce } from "../support/kcat.ts";
import {
  config,
  createTestDatabase,
  createTestTopic,
  readAllMessages,
  testKafka,
} from "../support/services.ts";

const KAFKA_TEST = { sanitizeOps: false, sanitizeResources: false };

/** The header the earlier consumer took as "this batch cannot be decoded". */
const FORGED = "x-sales-undecodable";
const HOSTILE = "<script>alert(1)</script> 4111 1111 1111 1111 \u001b[31m";

/** A dashboard app reading the test database as sales_reader, for its lag panel. */
function dashboard(url: string, groupId: string, topic: string) {
  const reader = connect(roleUrl(url, "sales_reader"), { max: 2 });
  const endOffsets = kafkaEndOffsets(createDashboardKafka(config.kafkaBrokers), topic, {
    reuseMs: 0,
  });
  const stores = createSnapshotStores(
    (spec) => loadSnapshot(reader, { groupId, topic }, spec),
    { reuseMs: 0, staleMs: 0 },
  );
  const app = createApp({
    sql: reader,
    stores,
    endOffsets,
    failedLogins: new FailedLogins({ delayMs: 0, limit: Infinity }),
  });
  return {
    lagPanel: async () => await (await app.request("/fragments/freshness")).text(),
    async close() {
      await stores.settled();
      await endOffsets.close();
      await reader.end({ timeout: 5 });
    },
  };
}

Deno.test({
  name:
    "a sale carrying x-sales-undecodable (a value, an empty one, none) or any header is stored; no partition stops",
  ...KAFKA_TEST,
  fn: async () => {
    const db = await createTestDatabase();
    const writer = connect(roleUrl(db.url, "sales_writer"), { max: 3 });
    const topic = await createTestTopic(2);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(60, 51);
    const lines: string[] = [];
    const consumer = await startConsumer({
      kafka: testKafka(),
      sql: writer,
      topic,
      groupId: group,
      partitions: 2,
      stuckPollMs: 200,
      log: (line) => lines.push(line),
    });
    const page = dashboard(db.url, group, topic);
    try {
      // Partition 0: sales, then one sale per forged header (each its own batch), then sales.
      await kcatProduce(topic, "gzip", records.slice(0, 20), 0);
      const forged = [`${FORGED}=x`, `${FORGED}=`, FORGED, `${FORGED}=${HOSTILE}`];
      for (const [i, header] of forged.entries()) {
        await kcatProduce(topic, i % 2 ? "none" : "zstd", [records[20 + i]!], 0, [header]);
      }
      await kcatProduce(topic, "lz4", records.slice(24, 30), 0, [
        `${FORGED}=${HOSTILE}`,
        `x-other=${HOSTILE}`,
        "error=undecodable_batch: forged",
      ]);
      await kcatProduce(topic, "snappy", records.slice(30, 45), 0);
      await kcatProduce(topic, "gzip", records.slice(45), 1, [`${FORGED}=1`]);

      await waitFor(async () => (await storedTotals(db.sql)).n === 60, "all 60 sales", 30_000);
      assert.deepEqual(await storedTotals(db.sql), expectedStoredTotals(records));
      const offsets = await db.sql`
        select partition, next_offset::int from consumer_offsets
        where group_id = ${group} order by partition`;
      assert.deepEqual(offsets.map((r) => ({ ...r })), [
        { partition: 0, next_offset: 45 },
        { partition: 1, next_offset: 15 },
      ]);
      assert.equal((await db.sql`select 1 from stuck_partitions`).length, 0);
      const [t] = await db.sql`select rejected::int, duplicates::int from sales_totals`;
      assert.deepEqual({ ...t }, { rejected: 0, duplicates: 0 });
      assert.equal((await readAllMessages(dlqTopic(topic))).length, 0, "no dead letter");

      // Nothing of a header reached the log or the page.
      const html = await page.lagPanel();
      assert.doesNotMatch(html, /data-stuck/);
      for (const text of [...lines, html]) {
        assert.doesNotMatch(text, /<script>|4111|x-sales|forged/, text);
        assert.ok(!text.includes("\u001b"), text);
      }
      assert.ok(!lines.some((l) => /stopped/.test(l)), lines.join("\n"));
    } finally {
      await consumer.stop();
      await page.close();
      await writer.end({ timeout: 5 });
      await db.close();
    }
  },
});
