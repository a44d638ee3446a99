/**
 * The reports process (streams/, Kafka Streams) against the real broker and PostgreSQL: every
 * report equals the PostgreSQL aggregates to the cent with duplicates, conflicting duplicates and
 * bad records; after kill -9 and a restart, and after a clean stop and restart; and with two
 * instances at once, one of them killed mid-stream.
 */
import assert from "node:assert/strict";
import { Partitioners } from "kafkajs";
import { customerKey } from "../../lib/core/hashing.ts";
import type { Sql } from "../../lib/infra/db.ts";
import { LOCAL_DIR } from "../../lib/infra/process.ts";
import { cardHashSecret } from "../../lib/infra/secret.ts";
import type { Reports } from "../../lib/reports/read.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import {
  activeTasks,
  spawnTestReports,
  startTestReports,
  type TestReports,
  waitForReports,
  waitUntilRunning,
} from "../support/reports_process.ts";
import {
  committedOffsets,
  createTestDatabase,
  createTestTopic,
  startTestConsumer,
  storedOffsetSum,
  testKafka,
} from "../support/services.ts";

const KAFKA_TEST = { sanitizeOps: false, sanitizeResources: false };

type Message = { key: string; value: string | null };

/** Sends raw messages (good, duplicated and bad) keyed like the producer does. */
async function send(topic: string, messages: Message[]) {
  const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let i = 0; i < messages.length; i += 2000) {
    await producer.send({ topic, messages: messages.slice(i, i + 2000) });
  }
  await producer.disconnect();
}

/** The messages of generated sales, keyed by sale id. */
function salesMessages(n: number, seed: number) {
  const records = sampleRecords(n, seed);
  return {
    records,
    good: records.map((r): Message => ({ key: String(r.sale_id), value: JSON.stringify(r) })),
  };
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
  const secret = cardHashSecret();
  for (const row of customers) {
    const r = gotCustomers.get(customerKey(row.email, secret));
    assert.deepEqual(
      [r?.purchases, r?.total_spent, r?.average_purchase],
      [row.sales_count, row.revenue, row.average],
      `customer ${row.email}`,
    );
    assert.ok(!JSON.stringify(r).includes(row.email), "customer_insights holds a raw email");
  }
}

/** The PostgreSQL consumer of a test, in-process, with a group of its own. */
async function startPostgresConsumer(sql: Sql, topic: string) {
  const consumer = await startTestConsumer({ sql, topic, partitions: 3 });
  const group = consumer.groupId;
  return {
    /** Waits until the consumer has stored `n` offsets: every message so far is in PostgreSQL. */
    stored: (n: number) =>
      waitFor(
        async () => (await storedOffsetSum(sql, group)) === n,
        `the PostgreSQL consumer to store ${n} offsets`,
        90_000,
      ),
    stop: () => consumer.stop(),
  };
}

/** Stops what is still running (SIGKILL: a test that failed need not wait for a clean close). */
async function killAll(processes: (TestReports | undefined)[]) {
  for (const p of processes) {
    if (!p) continue;
    try {
      Deno.kill(p.pid, "SIGKILL");
    } catch { /* already gone */ }
    await p.status;
  }
}

Deno.test({
  name:
    "every report equals PostgreSQL to the cent: a re-delivery is counted once, conflicting duplicates and bad records as rejected",
  ...KAFKA_TEST,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const prefix = `r_${uniqueSuffix()}_`;
    const { records, good } = salesMessages(3000, 71);
    const messages: Message[] = [
      ...good,
      ...good.slice(0, 200), // re-delivered
      { key: "another-key", value: good[10]!.value }, // re-delivered under another key
      { key: "bad-1", value: "not json" },
      { key: "bad-2", value: JSON.stringify({ ...records[5], state: "ZZ" }) },
      { key: "bad-3", value: null }, // a tombstone
      { key: good[7]!.key, value: JSON.stringify({ ...records[7], sale_price: 1 }) }, // conflicting
    ];
    const postgres = await startPostgresConsumer(db.sql, topic);
    let reports: TestReports | undefined;
    try {
      reports = await startTestReports({ topic, prefix });
      await send(topic, messages);
      await postgres.stored(messages.length);
      const got = await waitForReports(prefix, { sales: 3000, rejected: 4, duplicates: 201 });
      await assertReportsEqualPostgres(got, db.sql);
      const said = (pattern: RegExp) => reports!.lines.some((l) => pattern.test(l));
      await waitFor(() => Promise.resolve(said(/ caught up: lag 0, /)), "a caught-up line");
      const status = await reports.stop();
      assert.equal(status.code, 143, `SIGTERM closes it cleanly:\n${reports.lines.join("\n")}`);
      assert.ok(said(/ stopped$/), "it says it stopped");
    } finally {
      await killAll([reports]);
      if (reports) await Deno.remove(reports.stateDir, { recursive: true }).catch(() => {});
      await postgres.stop();
      await db.close();
    }
  },
});

Deno.test({
  name:
    "reports killed with kill -9 mid-stream and started again, then stopped and started cleanly, still equal PostgreSQL",
  ...KAFKA_TEST,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const prefix = `r_${uniqueSuffix()}_`;
    const group = `reports-${uniqueSuffix()}`;
    const stateDir = `${LOCAL_DIR}test-reports/${group}`;
    const options = { topic, prefix, group, stateDir };
    const { records, good } = salesMessages(10_000, 72);
    await send(topic, good.slice(0, 5000));
    const postgres = await startPostgresConsumer(db.sql, topic);
    let reports: TestReports | undefined = await spawnTestReports(options);
    try {
      await waitFor(
        async () => (await committedOffsets(group, topic)) >= 1000,
        "the reports process to commit 1,000 offsets",
        90_000,
      );
      // Killed while the second half of the sales is arriving: work in hand, a transaction open.
      const arriving = send(topic, good.slice(5000));
      Deno.kill(reports.pid, "SIGKILL");
      assert.equal((await reports.status).signal, "SIGKILL");
      await arriving;
      const atKill = await committedOffsets(group, topic);
      assert.ok(atKill < records.length, `reports finished (${atKill}) before being killed`);

      // Started again on its state folder (left dirty by the kill: wiped and restored).
      let started = Date.now();
      reports = await startTestReports(options);
      const restartMs = Date.now() - started;
      assert.ok(
        reports.lines.some((l) =>
          / the state folder was not closed cleanly \(a crash or kill -9\)/.test(l)
        ),
        "it says the kill left state to wipe and restore",
      );
      // Sent after the kill: re-deliveries of sales counted before it (the restored sale ids must
      // know them), a conflicting duplicate and bad messages.
      const late: Message[] = [
        ...good.slice(0, 300),
        { key: good[1]!.key, value: JSON.stringify({ ...records[1], sale_price: 2 }) },
        { key: "bad-1", value: "{" },
        { key: "bad-2", value: JSON.stringify({ ...records[3], email: "nobody" }) },
      ];
      await send(topic, late);
      let total = records.length + late.length;
      await postgres.stored(total);
      let got = await waitForReports(prefix, {
        sales: records.length,
        rejected: 3,
        duplicates: 300,
      });
      await assertReportsEqualPostgres(got, db.sql);
      assert.equal((await reports.stop()).code, 143, "SIGTERM closes it cleanly");

      // Stopped cleanly and started again on its state folder: nothing to wipe or restore, and the
      // sale ids counted so far are still known.
      started = Date.now();
      reports = await startTestReports(options);
      const cleanMs = Date.now() - started;
      assert.ok(!reports.lines.some((l) => /not closed cleanly/.test(l)), "a clean close is known");
      const again = good.slice(300, 400);
      await send(topic, again);
      total += again.length;
      await postgres.stored(total);
      got = await waitForReports(prefix, { sales: records.length, rejected: 3, duplicates: 400 });
      await assertReportsEqualPostgres(got, db.sql);
      assert.equal((await reports.stop()).code, 143);
      console.log(
        `killed after ${atKill} of ${records.length} offsets committed; running again in ` +
          `${restartMs} ms after the kill, ${cleanMs} ms after a clean stop; every report equals PostgreSQL`,
      );
    } finally {
      await killAll([reports]);
      await Deno.remove(stateDir, { recursive: true }).catch(() => {});
      await postgres.stop();
      await db.close();
    }
  },
});

Deno.test({
  name:
    "two instances share the work, and when one is killed with kill -9 mid-stream the other takes over: every report still equals PostgreSQL",
  ...KAFKA_TEST,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const prefix = `r_${uniqueSuffix()}_`;
    const group = `reports-${uniqueSuffix()}`;
    // Two instances keep standby copies; a silent one is dropped after 6 s (the broker's minimum).
    const env = { REPORTS_INSTANCES: "2", REPORTS_SESSION_TIMEOUT_S: "6" };
    const instance = (id: string) => ({
      topic,
      prefix,
      group,
      instanceId: `${group}-${id}`,
      stateDir: `${LOCAL_DIR}test-reports/${group}-${id}`,
      env,
    });
    const { records, good } = salesMessages(8000, 75);
    const postgres = await startPostgresConsumer(db.sql, topic);
    let a: TestReports | undefined;
    let b: TestReports | undefined;
    try {
      a = await spawnTestReports(instance("a"));
      b = await spawnTestReports(instance("b"));
      await Promise.all([waitUntilRunning(a), waitUntilRunning(b)]);
      const shared = [activeTasks(a), activeTasks(b)];
      assert.ok(shared.every((n) => n > 0), `both instances have tasks: ${shared}`);

      await send(topic, good.slice(0, 4000));
      await waitFor(
        async () => (await committedOffsets(group, topic)) >= 1000,
        "the instances to commit 1,000 offsets",
      );
      // b is killed while the second half of the sales is arriving.
      const arriving = send(topic, good.slice(4000));
      Deno.kill(b.pid, "SIGKILL");
      await b.status;
      await arriving;
      const atKill = await committedOffsets(group, topic);
      await postgres.stored(records.length);
      let got = await waitForReports(prefix, { sales: records.length, duplicates: 0 });
      await assertReportsEqualPostgres(got, db.sql);
      // two sub-topologies (decode to partial sums, row sums) on 3 partitions
      assert.equal(activeTasks(a), 6, "the survivor runs every task");

      // The killed instance comes back on its state folder and the pair goes on, still exact.
      b = await spawnTestReports(instance("b"));
      await waitUntilRunning(b, false);
      const late: Message[] = [
        ...good.slice(0, 100),
        { key: good[2]!.key, value: JSON.stringify({ ...records[2], cost_price: 0 }) },
        { key: "bad", value: "[]" },
        ...salesMessages(1000, 76).good,
      ];
      await send(topic, late);
      await postgres.stored(records.length + late.length);
      got = await waitForReports(prefix, {
        sales: records.length + 1000,
        rejected: 2,
        duplicates: 100,
      });
      await assertReportsEqualPostgres(got, db.sql);
      const stopped = await Promise.all([a.stop(), b.stop()]);
      assert.deepEqual(stopped.map((s) => s.code), [143, 143]);
      console.log(
        `tasks split ${shared.join(" + ")}; b killed at ${atKill} committed offsets of ` +
          `${records.length}; a took over, b came back; every report equals PostgreSQL`,
      );
    } finally {
      await killAll([a, b]);
      for (const id of ["a", "b"]) {
        await Deno.remove(instance(id).stateDir, { recursive: true }).catch(() => {});
      }
      await postgres.stop();
      await db.close();
    }
  },
});
