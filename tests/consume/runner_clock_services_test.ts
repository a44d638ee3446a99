/**
 * The clock a sale's time comes from: records sent by another producer (kafkajs with explicit
 * Kafka timestamps: the kcat of Debian, 1.7, cannot set one) far ahead, at 0, just before
 * 2000-01-01, behind within bounds and slightly ahead. Untrusted times are replaced by the time
 * the consumer read the record and counted per reason, in PostgreSQL (once per sale, through
 * re-deliveries), in the consumer's stats, in /api/summary and on the page; totals to the cent.
 */
import assert from "node:assert/strict";
import { Partitioners } from "kafkajs";
import { centsToDecimal } from "../../lib/core/money.ts";
import type { SaleRecord } from "../../lib/core/sale.ts";
import { startConsumer } from "../../lib/consume/runner.ts";
import { minuteOf } from "../../lib/store/write_batch.ts";
import { createSnapshotStores, loadSnapshot } from "../../lib/store/snapshot.ts";
import { findDrift } from "../../lib/store/verify.ts";
import { createApp } from "../../routes/app.ts";
import { ConsumerProcess } from "../support/faults.ts";
import { kpiValues } from "../support/html.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { expectedTotals } from "../support/money.ts";
import {
  createTestDatabase,
  createTestTopic,
  storedOffsetSum,
  testKafka,
} from "../support/services.ts";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** One way of stamping records: its name, the timestamp given, and whether it is trusted. */
interface Stamp {
  name: string;
  timestamp: (now: number) => number;
  /** the reason it is not trusted, or undefined when the sale keeps it */
  untrusted?: "ahead" | "tooOld";
}

const STAMPS: Stamp[] = [
  { name: "30 minutes ahead", timestamp: (now) => now + 30 * MINUTE, untrusted: "ahead" },
  { name: "at 0 (1970)", timestamp: () => 0, untrusted: "tooOld" },
  { name: "1 ms before 2000", timestamp: () => Date.UTC(2000, 0, 1) - 1, untrusted: "tooOld" },
  { name: "at 2000-01-01", timestamp: () => Date.UTC(2000, 0, 1) },
  { name: "3 days behind", timestamp: (now) => now - 3 * DAY },
  { name: "2 minutes ahead (within 5)", timestamp: (now) => now + 2 * MINUTE },
];

/** Sends each record with its stamp's Kafka timestamp, one request per stamp. */
async function sendStamped(topic: string, groups: { stamp: Stamp; records: SaleRecord[] }[]) {
  const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (const { stamp, records } of groups) {
      const now = Date.now();
      await producer.send({
        topic,
        acks: -1,
        messages: records.map((r) => ({
          key: String(r.sale_id),
          value: JSON.stringify(r),
          timestamp: String(stamp.timestamp(now)),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

Deno.test({
  name:
    "a record timestamp ahead of the consumer's clock or before 2000 is replaced by the time it was read and counted per reason; behind is trusted; a re-delivery counts once",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(STAMPS.length * 4, 45);
    const groups = STAMPS.map((stamp, i) => ({ stamp, records: records.slice(i * 4, i * 4 + 4) }));
    const consumer = await startConsumer({
      kafka: testKafka(),
      sql: db.sql,
      topic,
      groupId: group,
      partitions: 3,
      log: () => {},
    });
    const stores = createSnapshotStores(
      (spec) => loadSnapshot(db.sql, { groupId: group, topic }, spec),
      { reuseMs: 0, staleMs: 0 },
    );
    try {
      const before = Date.now();
      await sendStamped(topic, groups);
      await waitFor(
        async () => await storedOffsetSum(db.sql, group) === records.length,
        "every record stored",
      );
      const after = Date.now();

      // Each sale is filed where its stamp says: its own time, or when it was read.
      const rows = await db.sql<{ sale_id: string; at: string }[]>`
        select sale_id, (extract(epoch from sold_at) * 1000)::bigint::text as at from sales`;
      const soldAt = new Map(rows.map((r) => [r.sale_id, Number(r.at)]));
      const sentAt = new Map<string, number>();
      for (const { stamp, records: stamped } of groups) {
        for (const r of stamped) {
          const at = soldAt.get(String(r.sale_id))!;
          sentAt.set(String(r.sale_id), at);
          if (stamp.untrusted) {
            assert.ok(at >= before && at <= after, `${stamp.name}: read time ${new Date(at)}`);
          } else {
            // The exact timestamp given (within the few ms the stamp was computed before sending).
            const given = stamp.timestamp(before);
            assert.ok(
              Math.abs(at - given) <= after - before,
              `${stamp.name}: ${new Date(at).toISOString()} vs ${new Date(given).toISOString()}`,
            );
            if (stamp.name === "at 2000-01-01") assert.equal(at, Date.UTC(2000, 0, 1));
          }
        }
      }
      const want = { ahead: 4, tooOld: 8 };
      assert.deepEqual(consumer.stats.untrustedTimes, want, "the consumer's stats");
      const [t] = await db.sql`
        select sum(time_ahead)::int as ahead, sum(time_too_old)::int as too_old from agg_totals`;
      assert.deepEqual({ ahead: t!.ahead, tooOld: t!.too_old }, want);
      // The minute log files each sale under its minute, and the counts under the read minute.
      const minutes = await db.sql<{ minute: number; n: number; ahead: number; old: number }[]>`
        select minute, sum(sales_count)::int as n, sum(time_ahead)::int as ahead,
          sum(time_too_old)::int as old
        from agg_minute group by minute order by minute`;
      const perMinute = new Map<number, number>();
      for (const at of soldAt.values()) {
        perMinute.set(minuteOf(new Date(at)), (perMinute.get(minuteOf(new Date(at))) ?? 0) + 1);
      }
      assert.deepEqual(
        new Map(minutes.filter((m) => m.n > 0).map((m) => [m.minute, m.n])),
        perMinute,
      );
      assert.equal(minutes.reduce((n, m) => n + m.ahead, 0), 4);
      assert.equal(minutes.reduce((n, m) => n + m.old, 0), 8);
      for (const m of minutes) {
        if (m.ahead + m.old > 0) {
          assert.ok(
            m.minute >= minuteOf(new Date(before)) && m.minute <= minuteOf(new Date(after)),
          );
        }
      }

      // The dashboard: /api/summary per reason, for all time and the last 15 minutes (the read
      // times), and the page's tile beside the rejected messages.
      const app = createApp({ sql: db.sql, stores, endOffsets: null });
      const all = await (await app.request("/api/summary")).json();
      assert.deepEqual(all.untrustedTimes, want);
      assert.equal(all.sales, records.length);
      const recent = await (await app.request("/api/summary?range=15m")).json();
      assert.deepEqual(recent.untrustedTimes, want, "filed at the read time, within the range");
      assert.equal(recent.sales, 12, "the untrusted ones; the others are older or ahead");
      const html = await (await app.request("/")).text();
      assert.equal(kpiValues(html).untrusted, "12");

      // A re-delivery of every record (the same timestamps): counted once, filed where it was.
      await sendStamped(topic, groups);
      await waitFor(
        async () => await storedOffsetSum(db.sql, group) === 2 * records.length,
        "the re-delivery stored",
      );
      const again = await db.sql<{ sale_id: string; at: string }[]>`
        select sale_id, (extract(epoch from sold_at) * 1000)::bigint::text as at from sales`;
      assert.deepEqual(new Map(again.map((r) => [r.sale_id, Number(r.at)])), sentAt);
      const [d] = await db.sql`
        select sales_count::int, revenue::text, cost::text, duplicates::int, rejected::int
        from sales_totals`;
      const totals = expectedTotals(records);
      assert.deepEqual({ ...d }, {
        sales_count: records.length,
        revenue: centsToDecimal(totals.revenue),
        cost: centsToDecimal(totals.cost),
        duplicates: records.length,
        rejected: 0,
      });
      assert.deepEqual(consumer.stats.untrustedTimes, want, "the stats count a sale once");
      assert.deepEqual((await (await app.request("/api/summary")).json()).untrustedTimes, want);
      assert.deepEqual(await findDrift(db.sql), []);
    } finally {
      await consumer.stop();
      await stores.settled();
      await db.close();
    }
  },
});

Deno.test({
  name:
    "CONSUMER_CLOCK_TOLERANCE (--clock-tolerance) sets how far ahead a record's timestamp is trusted",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(1);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(3, 46);
    // 2 minutes ahead: trusted by default (5 minutes), not with a tolerance of 60 s.
    const consumer = new ConsumerProcess(db.url, topic, group, "a", true, {
      args: ["--clock-tolerance", "60"],
    });
    try {
      await waitFor(() => Promise.resolve(/^consuming /m.test(consumer.output)), consumer.output);
      const before = Date.now();
      await sendStamped(topic, [{
        stamp: { name: "2 minutes ahead", timestamp: (now) => now + 2 * MINUTE },
        records,
      }]);
      await waitFor(async () => await storedOffsetSum(db.sql, group) === 3, consumer.output);
      const after = Date.now();
      const [t] = await db.sql`
        select sum(time_ahead)::int as ahead, sum(time_too_old)::int as too_old from agg_totals`;
      assert.deepEqual([t!.ahead, t!.too_old], [3, 0]);
      const [s] = await db.sql`
        select min(extract(epoch from sold_at) * 1000)::bigint::text as first,
          max(extract(epoch from sold_at) * 1000)::bigint::text as last from sales`;
      assert.ok(Number(s!.first) >= before && Number(s!.last) <= after, "filed at the read time");
      assert.equal((await consumer.stop("SIGTERM")).code, 0, consumer.output);
      assert.match(
        consumer.output,
        /^stopped: 3 sales stored, .*3 filed at the time they were read/m,
      );
    } finally {
      await consumer.stop("SIGKILL");
      await db.close();
    }
  },
});
