import assert from "node:assert/strict";
import { Partitioners } from "kafkajs";
import { startConsumer } from "../lib/consumer_runner.ts";
import type { Sql } from "../lib/db.ts";
import { readReports, type Reports } from "../lib/reports/read.ts";
import { startReports } from "../lib/reports/runner.ts";
import { customerKey } from "../lib/reports/state.ts";
import { centsToDecimal, type SaleRecord } from "../lib/sale.ts";
import {
  createTestDatabase,
  createTestTopic,
  sampleRecords,
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

/** Sum of the group's committed offsets on the topic (-1 counts as 0). */
async function committed(group: string, topic: string): Promise<number> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return t!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

/** Rows of a report by a key field, for comparing. */
function byKey(rows: Record<string, unknown>[], key: (r: Record<string, unknown>) => string) {
  return new Map(rows.map((r) => [key(r), r]));
}

/** Asserts that every report equals the PostgreSQL aggregates, to the cent. */
async function assertReportsEqualPostgres(reports: Reports, sql: Sql) {
  const [t] = await sql`select sales_count::int, revenue::text, cost::text from sales_totals`;
  const total = reports.total_sales_summary[0]!;
  assert.deepEqual([total.sales_count, total.revenue, total.cost], [
    t!.sales_count,
    t!.revenue,
    t!.cost,
  ]);

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
    select c.email, a.sales_count::int, a.revenue::text from sales_by_customer a join customers c using (customer_id)`;
  assert.equal(reports.customer_insights.length, customers.length);
  const gotCustomers = new Map(
    reports.customer_insights.map((r) => [String(r.customer_key), r]),
  );
  for (const row of customers) {
    const r = gotCustomers.get(customerKey(row.email));
    assert.deepEqual(
      [r?.purchases, r?.total_spent],
      [row.sales_count, row.revenue],
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
    const pgGroup = `g-${uniqueSuffix()}`;
    const reportsGroup = `reports-${uniqueSuffix()}`;
    const kafka = testKafka();
    const consumer = await startConsumer({
      kafka,
      sql: db.sql,
      topic,
      groupId: pgGroup,
      partitions: 3,
      log: () => {},
    });
    const reports = await startReports({
      kafka,
      topic,
      partitions: 3,
      groupId: reportsGroup,
      prefix,
      log: () => {},
    });
    try {
      await send(topic, messages);
      await waitFor(
        async () => (await committed(reportsGroup, topic)) === messages.length,
        "reports to commit every offset",
      );
      await waitFor(async () => {
        const [r] = await db
          .sql`select coalesce(sum(next_offset), 0)::int as n from consumer_offsets`;
        return r!.n === messages.length;
      }, "the PostgreSQL consumer to store every offset");
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

/** Expected report sums computed here from the records (first appearance of each sale id). */
function expectedCategories(records: SaleRecord[]) {
  const sums = new Map<string, { count: number; revenue: bigint }>();
  const seen = new Set<string>();
  for (const r of records) {
    if (seen.has(String(r.sale_id))) continue;
    seen.add(String(r.sale_id));
    const s = sums.get(r.category as string) ?? { count: 0, revenue: 0n };
    s.count++;
    s.revenue += BigInt(Math.round(Number(r.sale_price) * 100));
    sums.set(r.category as string, s);
  }
  return sums;
}

Deno.test({
  name: "reports killed with SIGKILL mid-stream and started again are still exact",
  ...KAFKA_TEST,
  fn: async () => {
    const topic = await createTestTopic(3);
    const prefix = `r_${uniqueSuffix()}_`;
    const group = `reports-${uniqueSuffix()}`;
    const records = sampleRecords(20_000, 72);
    await send(topic, records.map((r) => ({ key: String(r.sale_id), value: JSON.stringify(r) })));
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
    let child = spawn();
    try {
      await waitFor(
        async () => (await committed(group, topic)) > 0,
        "the first reports process to commit",
        90_000,
      );
      child.kill("SIGKILL");
      await child.status;
      const atKill = await committed(group, topic);
      assert.ok(atKill < records.length, `reports finished (${atKill}) before being killed`);
      child = spawn();
      await waitFor(
        async () => (await committed(group, topic)) === records.length,
        "reports to finish after restart",
        120_000,
      );
      child.kill("SIGTERM");
      assert.equal((await child.status).code, 0);

      const result = await readReports(testKafka(), prefix);
      const expected = expectedCategories(records);
      const total = [...expected.values()].reduce(
        (a, s) => ({ count: a.count + s.count, revenue: a.revenue + s.revenue }),
        { count: 0, revenue: 0n },
      );
      assert.deepEqual(
        [result.total_sales_summary[0]!.sales_count, result.total_sales_summary[0]!.revenue],
        [total.count, centsToDecimal(total.revenue)],
      );
      const got = byKey(result.sales_by_category, (r) => r.category as string);
      for (const [category, s] of expected) {
        assert.deepEqual([got.get(category)?.sales_count, got.get(category)?.revenue], [
          s.count,
          centsToDecimal(s.revenue),
        ]);
      }
      console.log(
        `killed after ${atKill} of ${records.length} offsets committed; after restart exact`,
      );
    } finally {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.stderr.cancel().catch(() => {});
    }
  },
});
