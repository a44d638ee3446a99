import assert from "node:assert/strict";
import { centsToDecimal } from "../../lib/core/money.ts";
import { roleUrl } from "../../lib/infra/config.ts";
import { connect } from "../../lib/infra/db.ts";
import { createDashboardKafka, dlqTopic } from "../../lib/infra/kafka.ts";
import { registerKafkaCodecs } from "../../lib/infra/kafka_codecs.ts";
import { FailedLogins } from "../../routes/auth.ts";
import { kafkaEndOffsets } from "../../lib/consume/lag.ts";
import { createSnapshotStores, loadSnapshot } from "../../lib/store/snapshot.ts";
import { createApp } from "../../routes/app.ts";
import { kcatProduce } from "../support/kcat.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { expectedTotals } from "../support/money.ts";
import { runScript } from "../support/tasks.ts";
import {
  config,
  createTestDatabase,
  createTestTopic,
  readAllMessages,
  startTestConsumer,
} from "../support/services.ts";

const KAFKA_TEST = { sanitizeOps: false, sanitizeResources: false };

/** Runs `deno task unstick` with the arguments; its exit code and output. */
function unstick(args: string[], env: Record<string, string> = {}, stdin = "") {
  return runScript("scripts/unstick.ts", args, env, stdin);
}

Deno.test({
  name:
    "an undecodable batch stops its partition alone, is shown and logged once; unstick skips it",
  ...KAFKA_TEST,
  fn: async () => {
    // This process reads zstd as a client without the codec would: its batches cannot be decoded.
    registerKafkaCodecs({ leaveOut: ["zstd"] });
    const db = await createTestDatabase();
    const writer = connect(roleUrl(db.url, "sales_writer"), { max: 3 });
    const reader = connect(roleUrl(db.url, "sales_reader"), { max: 2 });
    const topic = await createTestTopic(3);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(100, 41);
    const [p0, p1a, poison, p1b, p2] = [0, 20, 40, 50, 70].map((at, i, all) =>
      records.slice(at, all[i + 1] ?? 100)
    );
    const lines: string[] = [];
    const consumer = await startTestConsumer({
      sql: writer,
      topic,
      groupId: group,
      partitions: 3,
      stuckPollMs: 200,
      log: (line) => lines.push(line),
    });
    const dashboardKafka = createDashboardKafka(config.kafkaBrokers);
    const endOffsets = kafkaEndOffsets(dashboardKafka, topic, { reuseMs: 0 });
    const stores = createSnapshotStores(
      (spec) => loadSnapshot(reader, { groupId: group, topic }, spec),
      { reuseMs: 0, staleMs: 0 },
    );
    const app = createApp({
      sql: reader,
      stores,
      endOffsets,
      failedLogins: new FailedLogins({ delayMs: 0, limit: Infinity }),
    });
    const env = { DATABASE_URL: db.url, CONSUMER_GROUP: group, SALES_TOPIC: topic };
    const totals = async () => {
      const [s] = await db.sql`
        select count(*)::int as n, coalesce(sum(sale_price), 0)::text as revenue from sales`;
      return { ...s };
    };
    const exact = (rs: typeof records) => {
      const want = expectedTotals(rs);
      return { n: want.count, revenue: centsToDecimal(want.revenue) };
    };
    try {
      await kcatProduce(topic, "gzip", p0!, 0);
      await kcatProduce(topic, "gzip", p1a!, 1); // partition 1, offsets 0..19
      await kcatProduce(topic, "zstd", poison!, 1); // offsets 20..29: cannot be decoded here
      await kcatProduce(topic, "snappy", p1b!, 1); // offsets 30..49
      await kcatProduce(topic, "lz4", p2!, 2);

      // Every other partition's sales, and partition 1's up to the undecodable batch.
      const flowing = [...p0!, ...p1a!, ...p2!];
      await waitFor(
        async () => (await totals()).n === flowing.length,
        `${flowing.length} sales`,
        30_000,
      );
      await waitFor(
        async () => (await db.sql`select 1 from stuck_partitions`).length === 1,
        "the stuck mark",
        10_000,
      );
      const [mark] = await db.sql`
        select group_id, topic, partition, from_offset::int, to_offset::int, reason
        from stuck_partitions`;
      assert.deepEqual({ ...mark, reason: undefined }, {
        group_id: group,
        topic,
        partition: 1,
        from_offset: 20,
        to_offset: 29,
        reason: undefined,
      });
      assert.match(mark!.reason, /zstd compression is not supported by this client/);
      await new Promise((r) => setTimeout(r, 1_500)); // nothing more may arrive meanwhile
      assert.deepEqual(await totals(), exact(flowing));
      const [stored] = await db.sql`
        select next_offset::int from consumer_offsets where group_id = ${group} and partition = 1`;
      assert.equal(stored!.next_offset, 20);
      const logged = lines.filter((l) => l.startsWith("partition 1 stopped"));
      assert.equal(logged.length, 1, lines.join("\n"));
      assert.match(logged[0]!, new RegExp(`offsets 20\\.\\.29 of ${topic} cannot be decoded`));

      // The dashboard's lag panel, read as sales_reader.
      const html = await (await app.request("/fragments/freshness")).text();
      assert.match(html, /<tr[^>]*data-partition="1"[^>]*data-stuck="true"/);
      assert.doesNotMatch(html, /<tr[^>]*data-partition="0"[^>]*data-stuck/);
      assert.match(html, /data-stuck-partition="1" data-stuck-from="20" data-stuck-to="29"/);
      assert.match(html, /zstd compression is not supported by this client/);
      assert.match(html, /deno task unstick --partition 1/);

      // The operator lists it, declines, then skips it.
      const listed = await unstick([], env);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, new RegExp(`${topic}\\[1\\] offsets 20\\.\\.29: `));
      const declined = await unstick(["--partition", "1"], env, "n\n");
      assert.equal(declined.code, 1, declined.stderr);
      assert.match(declined.stderr, /not confirmed; nothing changed/);
      assert.equal((await db.sql`select 1 from stuck_partitions`).length, 1);
      const done = await unstick(["--partition", "1", "--yes"], env);
      assert.equal(done.code, 0, done.stderr);
      assert.match(
        done.stdout,
        /skipped .*\[1\] offsets 20\.\.29: dead-lettered to .*; the stored offset is now 30/,
      );

      // The running consumer resumes partition 1 past the skipped range.
      const all = [...flowing, ...p1b!];
      await waitFor(async () => (await totals()).n === all.length, `${all.length} sales`, 30_000);
      assert.deepEqual(await totals(), exact(all));
      assert.equal((await db.sql`select 1 from stuck_partitions`).length, 0);
      const [after] = await db.sql`
        select next_offset::int from consumer_offsets where group_id = ${group} and partition = 1`;
      assert.equal(after!.next_offset, 50);
      assert.ok(lines.some((l) => l.startsWith("partition 1: its stuck mark was cleared")));
      // The batch's bytes (consume/unstick_services_test.ts reads them back), then the description.
      const letters = (await readAllMessages(dlqTopic(topic))).slice(1);
      assert.equal(letters.length, 1);
      assert.match(letters[0]!.error, /^undecodable_batch: cannot decode the batch: zstd/);
      assert.equal(letters[0]!.offset, "20");
      assert.deepEqual(
        {
          ...JSON.parse(letters[0]!.value),
          reason: undefined,
          stuck_at: undefined,
          batch_bytes: undefined,
        },
        {
          skipped: "undecodable batch",
          topic,
          partition: 1,
          from_offset: "20",
          to_offset: "29",
          reason: undefined,
          stuck_at: undefined,
          batch_bytes: undefined,
        },
      );
      const html2 = await (await app.request("/fragments/freshness")).text();
      assert.doesNotMatch(html2, /data-stuck/);

      // Nothing is stuck any more: a second unstick changes nothing.
      const again = await unstick(["--partition", "1", "--yes"], env);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^error: .*\[1\] is not stuck for group .*; nothing changed/);
    } finally {
      registerKafkaCodecs();
      await consumer.stop();
      await stores.settled();
      await endOffsets.close();
      await writer.end({ timeout: 5 });
      await reader.end({ timeout: 5 });
      await db.close();
    }
  },
});
