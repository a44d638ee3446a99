import assert from "node:assert/strict";
import { Partitioners } from "kafkajs";
import { Buffer } from "node:buffer";
import { dlqTopic } from "../../lib/infra/kafka.ts";
import { produceRecords } from "../../lib/produce/produce_records.ts";
import { centsToDecimal } from "../../lib/core/money.ts";
import { type SaleRecord } from "../../lib/core/sale.ts";
import { findDrift } from "../../lib/store/verify.ts";
import { restartBroker } from "../../lib/provision/kafka_broker.ts";
import { restartPostgres } from "../../lib/provision/postgres_cluster.ts";
import { brokerIsOurs, ConsumerProcess, FaultLog } from "../support/faults.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { expectedTotals } from "../support/money.ts";
import {
  config,
  createTestDatabase,
  createTestTopic,
  readAllMessages,
  storedOffsetSum,
  testKafka,
} from "../support/services.ts";

const PARTITIONS = 6;
const SALES = 40_000;

/** The catalogue of bad messages: key, bytes, and the reason code the consumer must give. */
function badCatalogue(
  good: SaleRecord,
): { key: string; value: string | Uint8Array | null; code: string }[] {
  const j = (o: unknown) => JSON.stringify(o);
  return [
    { key: "bad-not-json", value: "{sale_id: 1", code: "not_json" },
    { key: "bad-truncated", value: j(good).slice(0, 60), code: "not_json" },
    { key: "bad-array", value: j([good]), code: "not_object" },
    { key: "bad-null", value: "null", code: "not_object" },
    { key: "bad-empty", value: null, code: "empty" },
    { key: "bad-not-utf8", value: new Uint8Array([0x7b, 0xc3, 0x28, 0x7d]), code: "not_utf8" },
    {
      key: "bad-missing",
      value: j({ ...good, sale_id: "m1", category: undefined }),
      code: "invalid_field",
    },
    {
      key: "bad-type",
      value: j({ ...good, sale_id: "m2", sale_price: { v: 1 } }),
      code: "invalid_field",
    },
    {
      key: "bad-negative",
      value: j({ ...good, sale_id: "m3", cost_price: -0.01 }),
      code: "invalid_field",
    },
    {
      key: "bad-nan",
      value: j({ ...good, sale_id: "m4", sale_price: "NaN" }),
      code: "invalid_field",
    },
    {
      key: "bad-infinity",
      value: j({ ...good, sale_id: "m5" }).replace(/"sale_price":[^,]+/, '"sale_price":1e999'),
      code: "invalid_field",
    },
    {
      key: "bad-overflow",
      value: j({ ...good, sale_id: "m6", sale_price: 12345678901234 }),
      code: "invalid_field",
    },
    {
      key: "bad-huge-string",
      value: j({ ...good, sale_id: "m7", street: "s".repeat(10_000) }),
      code: "invalid_field",
    },
    {
      key: "bad-nul",
      value: j({ ...good, sale_id: "m8", city: "Spring\u0000field" }),
      code: "invalid_field",
    },
    {
      key: "bad-email",
      value: j({ ...good, sale_id: "m9", email: "nobody" }),
      code: "invalid_field",
    },
    { key: "bad-state", value: j({ ...good, sale_id: "m10", state: "XX" }), code: "invalid_field" },
    {
      key: "bad-zip",
      value: j({ ...good, sale_id: "m11", zipcode: "ABCDE" }),
      code: "invalid_field",
    },
    {
      key: "bad-expiry",
      value: j({ ...good, sale_id: "m12", credit_card_expiration_date: "99/99" }),
      code: "invalid_field",
    },
    {
      key: "bad-oversized",
      value: j({ ...good, sale_id: "m13", job_title: "j".repeat(100_000) }),
      code: "oversized",
    },
    // Same sale_id as a good sale, other price: a conflicting duplicate.
    {
      key: String(good.sale_id),
      value: j({ ...good, sale_price: Number(good.sale_price) + 1 }),
      code: "conflicting_duplicate",
    },
  ];
}

Deno.test({
  name:
    "no sale is lost or counted twice through kill -9, rebalances, a broker and a PostgreSQL restart and bad input",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (test) => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(PARTITIONS);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(SALES, 41);
    const kafka = testKafka("fault-suite");
    const faults = new FaultLog();
    const consumers: ConsumerProcess[] = [];
    const spawn = (name: string) => {
      const c = new ConsumerProcess(db.url, topic, group, name);
      consumers.push(c);
      return c;
    };
    const stored = () => storedOffsetSum(db.sql, group);
    const chunk = (i: number, n: number) =>
      produceRecords(records.slice(i, i + n).map((record, k) => ({ line: i + k + 1, record })), {
        kafka,
        topic,
        partitions: PARTITIONS,
        delayMs: [0, 0],
        batchSize: 500,
      });
    const bad = badCatalogue(records[0]!);
    let produced = 0;
    try {
      let a = spawn("a");
      // 1. kill -9 mid-stream, three times, each time after more sales were stored.
      for (let round = 0; round < 3; round++) {
        const sending = chunk(round * 8000, 8000);
        const target = (await stored()) + 2000;
        await waitFor(
          async () => (await stored()) >= target,
          `consumer a to store ${target}`,
          90_000,
        );
        await a.stop("SIGKILL");
        faults.inject(`kill -9 consumer at ${await stored()} stored offsets`);
        await sending;
        a = spawn("a");
      }
      produced = 24_000;

      // 2. A second consumer joins (rebalance), sales flow, then it leaves (another rebalance).
      const b = spawn("b");
      const sending = chunk(24_000, 8000);
      await waitFor(async () => (await stored()) >= 26_000, "consumers a+b to store 26000", 90_000);
      faults.inject("consumer b joined the group (rebalance)");
      await sending;
      produced = 32_000;
      await b.stop("SIGKILL");
      faults.inject("kill -9 consumer b (rebalance)");

      // 3. Broker restart (only when the broker is this project's own).
      // Only the broker this project started may be restarted; otherwise the step is reported
      // as ignored (a skip), never counted as injected.
      const restartable = brokerIsOurs();
      await test.step({
        name: "broker restart",
        ignore: !restartable,
        sanitizeOps: false,
        sanitizeResources: false,
        fn: async () => {
          await restartBroker(config.kafkaBrokers);
          faults.inject("broker restart");
        },
      });
      if (!restartable) {
        faults.skip(
          "broker restart",
          "the broker at KAFKA_BROKERS was not started by this project",
        );
      }

      // 4. PostgreSQL restart while sales are in flight.
      const more = chunk(32_000, 8000);
      await restartPostgres(db.sql);
      faults.inject("PostgreSQL restart");
      await more;
      produced = 40_000;
      // The same consumer process stores them: it waits through the restart, it does not exit.
      await waitFor(
        async () => (await stored()) >= 40_000,
        `consumer a to store 40000 after the PostgreSQL restart:\n${a.output.slice(-2000)}`,
        90_000,
      );
      const gone = await Promise.race([a.status, new Promise((r) => setTimeout(r, 100, null))]);
      assert.equal(gone, null, `consumer a went on through the restart:\n${a.output.slice(-2000)}`);

      // 5. Bad messages and duplicates, then one more kill -9 while they are consumed.
      const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      await producer.send({
        topic,
        messages: [
          ...bad.map((m) => ({
            key: m.key,
            value: m.value instanceof Uint8Array ? Buffer.from(m.value) : m.value,
          })),
          ...records.slice(0, 500).map((r) => ({
            key: String(r.sale_id),
            value: JSON.stringify(r),
          })),
        ],
      });
      await producer.disconnect();
      await a.stop("SIGKILL");
      faults.inject("kill -9 consumer a while bad messages and duplicates are in flight");
      a = spawn("a");

      // Wait until the stored offsets reach the end of every partition.
      const admin = kafka.admin();
      await admin.connect();
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.disconnect();
      const endTotal = ends.reduce((n, p) => n + Number(p.high), 0);
      await waitFor(
        async () => (await stored()) === endTotal,
        `stored offsets to reach ${endTotal}`,
        120_000,
      );
      const status = await a.stop("SIGTERM");
      assert.equal(status.code, 0, `consumer a did not exit cleanly:\n${a.output.slice(-2000)}`);

      // Checks.
      const want = expectedTotals(records.slice(0, produced));
      const [t] = await db.sql`
        select sales_count::int, revenue::text, cost::text, rejected::int, duplicates::int from sales_totals`;
      const [s] = await db
        .sql`select count(*)::int as n, sum(sale_price)::text as revenue, sum(cost_price)::text as cost from sales`;
      assert.equal(s!.n, want.count, "rows in sales == distinct produced sale_ids");
      assert.equal(s!.revenue, centsToDecimal(want.revenue));
      assert.equal(s!.cost, centsToDecimal(want.cost));
      assert.deepEqual([t!.sales_count, t!.revenue, t!.cost], [
        want.count,
        centsToDecimal(want.revenue),
        centsToDecimal(want.cost),
      ]);
      assert.deepEqual(await findDrift(db.sql), [], "every aggregate equals a GROUP BY over sales");
      assert.equal(t!.rejected, bad.length, "every bad message counted once as rejected");

      const rows = await db
        .sql`select partition, next_offset::int from consumer_offsets where group_id = ${group} order by 1`;
      assert.deepEqual(
        rows.map((r) => [r.partition, r.next_offset]),
        ends.map((p) => [p.partition, Number(p.high)]).sort((x, y) => x[0]! - y[0]!),
        "stored offsets equal the end of each partition",
      );

      const letters = await readAllMessages(dlqTopic(topic));
      const goodIds = new Set(records.map((r) => String(r.sale_id)));
      for (const m of bad) {
        const found = letters.find((l) => l.key === m.key && l.error.startsWith(`${m.code}:`));
        assert.ok(found, `${m.key} is in the DLQ with reason ${m.code}`);
      }
      const wrong = letters.filter((l) =>
        goodIds.has(l.key) && !l.error.startsWith("conflicting_duplicate:")
      );
      assert.deepEqual(wrong, [], "no good sale in the DLQ");
      assert.ok(letters.every((l) => !/\d{13,19}/.test(l.value)), "no full card number in the DLQ");

      console.log([
        ...faults.lines(),
        `messages: ${endTotal} (${produced} sales, ${
          t!.duplicates
        } duplicates re-sent, ${bad.length} bad)`,
        `sales stored: ${s!.n}; revenue ${s!.revenue}; cost ${s!.cost}`,
        `lost: ${want.count - s!.n}; counted twice: ${t!.sales_count - s!.n}; aggregate drift: 0`,
        `DLQ messages: ${letters.length} (distinct bad: ${
          new Set(letters.map((l) => l.key)).size
        })`,
      ].join("\n"));
    } finally {
      for (const c of consumers) await c.stop("SIGKILL");
      await db.close();
    }
  },
});
