import assert from "node:assert/strict";
import { Partitioners } from "kafkajs";
import { startConsumer } from "../lib/consume/runner.ts";
import type { Sql } from "../lib/infra/db.ts";
import { readReports, type Reports } from "../lib/reports/read.ts";
import { customerKey, ReportState } from "../lib/reports/state.ts";
import { REPORTS } from "../lib/reports/topics.ts";
import { decode } from "../lib/core/decode.ts";
import {
  committedOffsets,
  createTestDatabase,
  createTestTopic,
  sampleRecords,
  startConsumerAndReports,
  storedOffsetSum,
  testKafka,
  uniqueSuffix,
  waitFor,
} from "./helpers.ts";

const KAFKA_TEST = { sanitizeOps: false, sanitizeResources: false };
const REPORTS_CLI = new URL("../reports.ts", import.meta.url).pathname;

/** Sends raw messages (good, duplicated and bad) keyed like the producer does. */
async function send(topic: string, messages: { key: string; value: string }[]) {
  const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let i = 0; i < messages.length; i += 2000) {
    await producer.send({ topic, messages: messages.slice(i, i + 2000) });
  }
  await producer.disconnect();
}

/** Rows of a report by a key field, for comparing. */
function byKey(rows: Record<string, unknown>[], key: (r: Record<string, unknown>) => string) {
  return new Map(rows.map((r) => [key(r), r]));
}

/** Asserts that every report equals the PostgreSQL aggregates, to the cent. */
async function assertReportsEqualPostgres(reports: Reports, sql: Sql) {
  const [t] = await sql`
    select sales_count::int, revenue::text, cost::text, (revenue - cost)::text as profit,
      rejected::int, duplicates::int
    from sales_totals`;
  assert.equal(reports.total_sales_summary.length, 1);
  const total = reports.total_sales_summary[0]!;
  assert.deepEqual(
    [total.sales_count, total.revenue, total.cost, total.profit, total.rejected, total.duplicates],
    [t!.sales_count, t!.revenue, t!.cost, t!.profit, t!.rejected, t!.duplicates],
    "total_sales_summary",
  );

  const dims: [
    keyof Reports,
    Promise<Record<string, unknown>[]>,
    (r: Record<string, unknown>) => string,
  ][] = [
    [
      "sales_by_category",
      sql`select c.name as k, sales_count::int, revenue::text, cost::text from sales_by_category a join categories c using (category_id)`,
      (r) => r.category as string,
    ],
    [
      "sales_by_state",
      sql`select state as k, sales_count::int, revenue::text, cost::text from sales_by_state`,
      (r) => r.state as string,
    ],
    [
      "sales_by_city",
      sql`select state || '/' || city as k, sales_count::int, revenue::text, cost::text from sales_by_city`,
      (r) => `${r.state}/${r.city}`,
    ],
  ];
  for (const [report, query, key] of dims) {
    const rows = (await query) as {
      k: string;
      sales_count: number;
      revenue: string;
      cost: string;
    }[];
    const got = byKey(reports[report], key);
    assert.equal(got.size, rows.length, `${report}: number of keys`);
    for (const row of rows) {
      const r = got.get(row.k);
      assert.deepEqual([r?.sales_count, r?.revenue, r?.cost], [
        row.sales_count,
        row.revenue,
        row.cost,
      ], `${report} ${row.k}`);
    }
  }
  const cards =
    await sql`select card_company as k, sales_count::int, revenue::text from sales_by_card`;
  const gotCards = byKey(reports.credit_card_usage, (r) => r.card_company as string);
  assert.equal(gotCards.size, cards.length);
  for (const row of cards) {
    assert.deepEqual([gotCards.get(row.k)?.sales_count, gotCards.get(row.k)?.amount], [
      row.sales_count,
      row.revenue,
    ]);
  }
  const customers = await sql`
    select c.email, a.sales_count::int, a.revenue::text,
      round(a.revenue / a.sales_count, 2)::text as average
    from sales_by_customer a join customers c using (customer_id)`;
  assert.equal(reports.customer_insights.length, customers.length);
  const gotCustomers = new Map(
    reports.customer_insights.map((r) => [String(r.customer_key), r]),
  );
  for (const row of customers) {
    const r = gotCustomers.get(customerKey(row.email));
    assert.deepEqual(
      [r?.purchases, r?.total_spent, r?.average_purchase],
      [row.sales_count, row.revenue, row.average],
      `customer ${row.email}`,
    );
    assert.ok(!JSON.stringify(r).includes(row.email), "customer_insights holds a raw email");
  }
}

Deno.test({
  name:
    "every report equals the PostgreSQL aggregates to the cent, duplicates and bad messages included",
  ...KAFKA_TEST,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const prefix = `r_${uniqueSuffix()}_`;
    const records = sampleRecords(3000, 71);
    const good = records.map((r) => ({ key: String(r.sale_id), value: JSON.stringify(r) }));
    const messages = [
      ...good,
      ...good.slice(0, 200), // re-delivered
      { key: "bad-1", value: "not json" },
      { key: "bad-2", value: JSON.stringify({ ...records[5], state: "ZZ" }) },
      { key: String(records[7]!.sale_id), value: JSON.stringify({ ...records[7], sale_price: 1 }) },
    ];
    const { kafka, pgGroup, reportsGroup, consumer, reports } = await startConsumerAndReports(
      db.sql,
      topic,
      prefix,
    );
    try {
      await send(topic, messages);
      await waitFor(
        async () => (await committedOffsets(reportsGroup, topic)) === messages.length,
        "reports to commit every offset",
      );
      await waitForPostgres(db.sql, pgGroup, messages.length);
      const result = await readReports(kafka, prefix);
      assert.equal(result.total_sales_summary[0]!.sales_count, 3000);
      await assertReportsEqualPostgres(result, db.sql);
    } finally {
      await reports.stop();
      await consumer.stop();
      await db.close();
    }
  },
});

Deno.test("ReportState counts a sale id once, tells re-deliveries from conflicts, and restores from its messages", () => {
  const sales = sampleRecords(50, 73).map((r) => {
    const d = decode(new TextEncoder().encode(JSON.stringify(r)));
    assert.ok(d.ok);
    return d.sale;
  });
  const state = new ReportState();
  const first = state.apply(sales.slice(0, 30), 2);
  assert.equal(first.newSales.length, 30);
  const again = state.apply([
    ...sales.slice(0, 5),
    { ...sales[6]!, salePriceCents: 1 },
    ...sales.slice(30),
  ]);
  assert.equal(again.newSales.length, 20);
  assert.deepEqual(state.skipped, { rejected: 3, duplicates: 5 });

  const restored = new ReportState();
  for (const report of REPORTS) {
    for (const key of state.sums.get(report)!.keys()) {
      restored.restore(report, key, state.message(report, key).value);
    }
  }
  for (const [id, hash] of state.seen) restored.restoreSeen(id, hash);
  for (const report of REPORTS) {
    for (const key of state.sums.get(report)!.keys()) {
      assert.deepEqual(restored.message(report, key), state.message(report, key));
    }
  }
  const total = restored.message("total_sales_summary", "total").value;
  assert.equal(total.sales_count, 50);
  assert.deepEqual([total.rejected, total.duplicates], [3, 5]);
  restored.apply([sales[0]!, { ...sales[1]!, costPriceCents: 0 }]);
  assert.deepEqual(restored.skipped, { rejected: 4, duplicates: 6 });
});

Deno.test({
  name: "a failed transaction is aborted and the reports start over from the committed state",
  ...KAFKA_TEST,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const prefix = `r_${uniqueSuffix()}_`;
    const records = sampleRecords(1500, 74);
    const messages = records.map((r) => ({ key: String(r.sale_id), value: JSON.stringify(r) }));
    let transactions = 0;
    let failed = 0;
    const { kafka, pgGroup, reportsGroup, consumer, reports } = await startConsumerAndReports(
      db.sql,
      topic,
      prefix,
      {
        beforeCommit: () => {
          // The 2nd and 3rd transactions fail after their messages and offsets were sent.
          if (++transactions === 2 || transactions === 3) {
            failed++;
            return Promise.reject(new Error("injected fault before commit"));
          }
          return Promise.resolve();
        },
      },
    );
    try {
      for (let i = 0; i < messages.length; i += 300) await send(topic, messages.slice(i, i + 300));
      await waitFor(
        async () => (await committedOffsets(reportsGroup, topic)) === messages.length,
        "reports to commit every offset",
      );
      await waitForPostgres(db.sql, pgGroup, messages.length);
      assert.equal(failed, 2);
      const result = await readReports(kafka, prefix);
      assert.deepEqual(
        [result.total_sales_summary[0]!.sales_count, result.total_sales_summary[0]!.duplicates],
        [1500, 0],
      );
      await assertReportsEqualPostgres(result, db.sql);
    } finally {
      await reports.stop();
      await consumer.stop();
      await db.close();
    }
  },
});

/** Waits until the PostgreSQL consumer has stored `n` offsets of its group. */
async function waitForPostgres(sql: Sql, group: string, n: number) {
  await waitFor(
    async () => (await storedOffsetSum(sql, group)) === n,
    `the PostgreSQL consumer to store ${n} offsets`,
    90_000,
  );
}

Deno.test({
  name: "reports killed with SIGKILL mid-stream and started again still equal PostgreSQL",
  ...KAFKA_TEST,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const prefix = `r_${uniqueSuffix()}_`;
    const group = `reports-${uniqueSuffix()}`;
    const pgGroup = `g-${uniqueSuffix()}`;
    const records = sampleRecords(20_000, 72);
    const good = records.map((r) => ({ key: String(r.sale_id), value: JSON.stringify(r) }));
    await send(topic, good);
    const spawn = () =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          REPORTS_CLI,
          "--quiet",
          "--topic",
          topic,
          "--prefix",
          prefix,
          "--reports-group",
          group,
        ],
        stdout: "null",
        stderr: "piped",
      }).spawn();
    const consumer = await startConsumer({
      kafka: testKafka(),
      sql: db.sql,
      topic,
      groupId: pgGroup,
      partitions: 3,
      log: () => {},
    });
    let child = spawn();
    try {
      await waitFor(
        async () => (await committedOffsets(group, topic)) > 0,
        "the first reports process to commit",
        90_000,
      );
      child.kill("SIGKILL");
      assert.equal((await child.status).signal, "SIGKILL");
      const atKill = await committedOffsets(group, topic);
      assert.ok(atKill < records.length, `reports finished (${atKill}) before being killed`);
      child = spawn();
      // Sent after the kill: re-deliveries of sales counted before it (the restored seen ids must
      // know them), a conflicting duplicate and bad messages.
      const late = [
        ...good.slice(0, 300),
        { key: good[1]!.key, value: JSON.stringify({ ...records[1], sale_price: 2 }) },
        { key: "bad-1", value: "{" },
        { key: "bad-2", value: JSON.stringify({ ...records[3], email: "nobody" }) },
      ];
      await send(topic, late);
      const total = records.length + late.length;
      await waitFor(
        async () => (await committedOffsets(group, topic)) === total,
        "reports to finish after restart",
        90_000,
      );
      child.kill("SIGTERM");
      assert.equal((await child.status).code, 0, "SIGTERM ends the reports process cleanly");
      await waitForPostgres(db.sql, pgGroup, total);

      const result = await readReports(testKafka(), prefix);
      assert.equal(result.total_sales_summary[0]!.sales_count, records.length);
      assert.equal(result.total_sales_summary[0]!.duplicates, 300);
      assert.equal(result.total_sales_summary[0]!.rejected, 3);
      await assertReportsEqualPostgres(result, db.sql);
      console.log(
        `killed after ${atKill} of ${records.length} offsets committed; after restart and ` +
          `${late.length} late messages every report equals PostgreSQL`,
      );
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.stderr.cancel().catch(() => {});
      await consumer.stop();
      await db.close();
    }
  },
});
