import assert from "node:assert/strict";
import type { Sale } from "../../lib/core/sale.ts";
import { connect, type Sql } from "../../lib/infra/db.ts";
import { applyRetention, retentionState } from "../../lib/store/retention.ts";
import { loadSnapshot } from "../../lib/store/snapshot.ts";
import { findDrift, rebuildAggregates } from "../../lib/store/verify.ts";
import { type BatchInput, writeBatch } from "../../lib/store/write_batch.ts";
import { sampleRecords, validSales, waitFor } from "../support/fixtures.ts";
import { createTestDatabase } from "../support/services.ts";

/** One batch of partition `partition`, each sale filed at the time `at` gives it. */
function batch(
  list: Sale[],
  at: (i: number) => Date,
  partition: number,
  expectedOffset: string | null,
  first = 0,
): BatchInput {
  return {
    groupId: "g",
    topic: "t",
    partition,
    expectedOffset,
    nextOffset: String(first + list.length),
    rejected: 0,
    sales: list.map((sale, i) => ({ sale, offset: String(first + i), soldAt: at(i) })),
  };
}

/** Every all-time figure the dashboard and the aggregate tables show, as plain values. */
async function allTimeFigures(sql: Sql) {
  const snapshot = await loadSnapshot(sql, { groupId: "g", topic: "t" });
  const table = async (name: string, keys: string) =>
    (await sql`
      select ${sql(keys.split(", "))}, sum(sales_count)::text as n,
        sum(revenue_cents)::text as r, sum(cost_cents)::text as c
      from ${sql(name)} group by ${sql(keys.split(", "))} order by ${sql(keys.split(", "))}`)
      .map((row) => ({ ...row }));
  return {
    totals: { ...snapshot.totals },
    categories: snapshot.categories,
    states: snapshot.states,
    cities: snapshot.cities,
    cards: snapshot.cards,
    customers: snapshot.customers,
    products: snapshot.products,
    aggCategory: await table("agg_category", "part, category_id"),
    aggCity: await table("agg_city", "part, city_id"),
    aggCard: await table("agg_card", "part, card_id"),
    aggCustomer: await table("agg_customer", "part, customer_id"),
    aggMinute: await table("agg_minute", "part, minute"),
    aggTotals: await table("agg_totals", "part"),
  };
}

const DAY = 86_400_000;
const JAN = Date.UTC(2024, 0, 10);
const FEB = Date.UTC(2024, 1, 10);
const MAR = Date.UTC(2024, 2, 10);

Deno.test("retention drops whole months of sales and the minute log, and every all-time figure stays exact", async () => {
  const db = await createTestDatabase();
  try {
    const list = validSales(sampleRecords(300, 31));
    // Two Kafka partitions, three months: January's sales are the ones dropped.
    const monthOfSale = (i: number) => new Date([JAN, FEB, MAR][i % 3]! + (i % 7) * 3_600_000);
    await writeBatch(db.sql, batch(list.slice(0, 150), monthOfSale, 0, null));
    await writeBatch(db.sql, batch(list.slice(150), (i) => monthOfSale(i + 150), 1, null));
    const before = await allTimeFigures(db.sql);
    assert.equal(before.totals.sales_count, "300");
    assert.deepEqual(await findDrift(db.sql), []);

    // Kept 40 days on 2024-03-20: the horizon is 2024-02-01, January goes whole.
    const now = new Date(Date.UTC(2024, 2, 20));
    const report = await applyRetention(db.sql, 40, now);
    assert.deepEqual(report.dropped, ["2024-01"]);
    assert.equal(report.keptFrom?.toISOString(), "2024-02-01T00:00:00.000Z");
    const [parts] = await db.sql`
      select to_regclass('sales_2024_01') is null as sales_gone,
        to_regclass('agg_sales_minute_2024_01') is null as log_gone,
        to_regclass('sales_2024_02') is not null as feb_kept`;
    assert.deepEqual({ ...parts }, { sales_gone: true, log_gone: true, feb_kept: true });
    const [stored] = await db.sql`
      select (select count(*) from sales)::int as sales, (select count(*) from sale_ids)::int as ids,
        (select count(*) from sales where sold_at < '2024-02-01')::int as old`;
    assert.deepEqual({ ...stored }, { sales: 200, ids: 200, old: 0 });

    // The aggregates keep their figures, to the cent; verify compares what is kept.
    assert.deepEqual(await allTimeFigures(db.sql), before);
    assert.deepEqual(await findDrift(db.sql), []);
    // Rebuilding from the sales kept loses none of the dropped months' figures.
    await rebuildAggregates(db.sql);
    assert.deepEqual(await allTimeFigures(db.sql), before);
    assert.deepEqual(await findDrift(db.sql), []);

    // A kept sale re-sent under another time (another month) is still a duplicate ...
    const febSale = list[1]!; // filed in February
    const again = await writeBatch(
      db.sql,
      batch([febSale], () => new Date(MAR + DAY), 0, "150", 150),
    );
    assert.deepEqual([again.inserted, again.duplicates], [0, 1]);
    // ... and one of the dropped month, past the horizon, is counted again (as the README says).
    const janSale = list[0]!;
    const late = await writeBatch(db.sql, batch([janSale], () => new Date(JAN), 0, "151", 151));
    assert.deepEqual([late.inserted, late.duplicates], [1, 0]);
    const [inDefault] = await db.sql`select count(*)::int as n from sales_default`;
    assert.equal(inDefault!.n, 1, "a month retention dropped gets no partition again");
    assert.deepEqual(await findDrift(db.sql), []);
    // The next run drops it from the default partition; its figures stay.
    const totalsBefore = (await allTimeFigures(db.sql)).totals;
    const next = await applyRetention(db.sql, 40, now);
    assert.deepEqual([next.dropped, next.droppedFromDefault], [[], 1]);
    assert.deepEqual((await allTimeFigures(db.sql)).totals, totalsBefore);
    assert.deepEqual(await findDrift(db.sql), []);
    const state = await retentionState(db.sql);
    assert.equal(state.keep, "40d");
  } finally {
    await db.close();
  }
});

Deno.test("a sale filed in a month without partitions is stored, far ahead or far behind", async () => {
  const db = await createTestDatabase();
  try {
    const list = validSales(sampleRecords(4, 32));
    const times = [
      new Date(Date.UTC(2001, 4, 1, 0, 0, 1)), // years behind: its month gets its partitions
      new Date(Date.now() + 23 * 3_600_000), // up to a day ahead (the clock tolerance's most)
      new Date(Date.UTC(2001, 4, 31, 23, 59, 59)),
      new Date(Date.UTC(2000, 0, 1)), // the earliest trusted time
    ];
    const result = await writeBatch(db.sql, batch(list, (i) => times[i]!, 0, null));
    assert.equal(result.inserted, 4);
    const rows = await db.sql`
      select tableoid::regclass::text as part, count(*)::int as n from sales group by 1 order by 1`;
    const ahead = times[1]!.toISOString().slice(0, 7).replace("-", "_");
    assert.deepEqual(
      rows.map((r) => [r.part, r.n]),
      [["sales_2000_01", 1], ["sales_2001_05", 2], [`sales_${ahead}`, 1]],
    );
    // Sales that landed in the default partition (written before their month had partitions,
    // or while another session held the default's lock) move to their month's partitions.
    await db.sql.begin(async (tx) => {
      await tx`alter table sales detach partition sales_2001_05`;
      await tx`alter table agg_sales_minute detach partition agg_sales_minute_2001_05`;
      await tx`insert into sales select * from sales_2001_05`;
      await tx`insert into agg_sales_minute select * from agg_sales_minute_2001_05`;
      await tx`drop table sales_2001_05, agg_sales_minute_2001_05`;
    });
    const [where] = await db.sql`select count(*)::int as n from sales_default`;
    assert.equal(where!.n, 2);
    assert.deepEqual(await findDrift(db.sql), []);
    const report = await applyRetention(db.sql, undefined);
    assert.ok(report.ensured.includes("2001-05"));
    const [moved] = await db.sql`
      select (select count(*) from sales_default)::int as in_default,
        (select count(*) from sales_2001_05)::int as in_month,
        (select count(*) from agg_sales_minute_default)::int as log_default`;
    assert.deepEqual({ ...moved }, { in_default: 0, in_month: 2, log_default: 0 });
    assert.deepEqual(await findDrift(db.sql), []);
  } finally {
    await db.close();
  }
});

Deno.test("retention dropping a month while a consumer writes to it and to this month loses and doubles nothing", async () => {
  const db = await createTestDatabase();
  try {
    const list = validSales(sampleRecords(300, 34));
    await writeBatch(db.sql, batch(list.slice(0, 100), () => new Date(JAN), 0, null));
    // The writer: 20 batches of 10, half filed in January; a batch that meets the month being
    // dropped fails as a whole and is written again, as the consumer does.
    const writer = (async () => {
      let expected: string | null = null;
      for (let b = 0; b < 20; b++) {
        const sales = list.slice(100 + b * 10, 110 + b * 10);
        const input = batch(
          sales,
          (i) => (i % 2 === 0 ? new Date(JAN + DAY) : new Date()),
          1,
          expected,
          b * 10,
        );
        for (let attempt = 1;; attempt++) {
          try {
            await writeBatch(db.sql, input);
            break;
          } catch (error) {
            if (attempt === 5) throw error;
          }
        }
        expected = input.nextOffset;
      }
    })();
    // Both settle before the database closes: a failure of either is reported, not left dangling.
    const [retained, written] = await Promise.allSettled([
      applyRetention(db.sql, 40, new Date(Date.UTC(2024, 2, 20))),
      writer,
    ]);
    if (written.status === "rejected") throw written.reason;
    if (retained.status === "rejected") throw retained.reason;
    const report = retained.value;
    assert.deepEqual(report.dropped, ["2024-01"]);
    const counted = async () =>
      (await db.sql`select sales_count::int as n, revenue::text from sales_totals`)[0]!;
    const all = await counted();
    assert.equal(all.n, 300, "every sale counted once");
    assert.deepEqual(await findDrift(db.sql), []);
    await applyRetention(db.sql, 40, new Date(Date.UTC(2024, 2, 20)));
    assert.deepEqual(await counted(), all);
    const [left] = await db.sql`
      select count(*)::int as n, min(sold_at) > '2024-02-01' as recent from sales`;
    assert.deepEqual({ ...left }, { n: 100, recent: true });
    assert.deepEqual(await findDrift(db.sql), []);
  } finally {
    await db.close();
  }
});

Deno.test("retention that PostgreSQL picks to break a deadlock with a writer runs its month again and drops it", async () => {
  const db = await createTestDatabase();
  const writer = connect(db.url, { max: 1 });
  try {
    const list = validSales(sampleRecords(60, 35));
    await writeBatch(db.sql, batch(list.slice(0, 30), () => new Date(JAN), 0, null));
    await writeBatch(db.sql, batch(list.slice(30), () => new Date(), 0, "30", 30));
    assert.deepEqual(await findDrift(db.sql), []);
    // The months' partitions first (making one waits for `sales` too, and gives up quickly).
    await applyRetention(db.sql, undefined, new Date(Date.UTC(2024, 2, 20)));
    // A writer's transaction holds `sales` (not its partitions) as an insert does, and keeps it open.
    let release!: () => void;
    const released = new Promise<void>((resolve) => release = resolve);
    let writerLocked!: () => void;
    const locked = new Promise<void>((resolve) => writerLocked = resolve);
    const writing = writer.begin(async (tx) => {
      await tx`lock table only sales in row exclusive mode`;
      writerLocked();
      await released;
      // Then it needs January's partition, which the drop holds: a deadlock.
      await tx`lock table sales_2024_01 in row exclusive mode`;
    });
    await locked;
    const retention = applyRetention(db.sql, 40, new Date(Date.UTC(2024, 2, 20)));
    // The drop holds January's partition and waits for `sales` behind the writer.
    await waitFor(
      async () => {
        const [waiting] = await db.sql`
        select 1 from pg_locks where relation = 'sales'::regclass
          and mode = 'AccessExclusiveLock' and not granted`;
        return waiting !== undefined;
      },
      "the drop waiting for sales",
      10_000,
    );
    release();
    const [dropped, written] = await Promise.allSettled([retention, writing]);
    if (written.status === "rejected") throw written.reason;
    if (dropped.status === "rejected") throw dropped.reason;
    assert.deepEqual(dropped.value.dropped, ["2024-01"]);
    const [left] = await db.sql`select count(*)::int as n from sales`;
    assert.equal(left!.n, 30, "January's 30 sales are gone, this month's 30 stay");
    assert.deepEqual(await findDrift(db.sql), []);
    const [{ n }] = await db.sql`select sales_count::int as n from sales_totals` as unknown as [
      { n: number },
    ];
    assert.equal(n, 60, "every sale still counted once");
  } finally {
    await writer.end({ timeout: 5 });
    await db.close();
  }
});

Deno.test("consumers writing the first sales of a month at once each get its partitions, made once", async () => {
  const db = await createTestDatabase();
  // Six clients stand for six consumer processes, each asking for the month on its own.
  const clients = Array.from({ length: 6 }, () => connect(db.url, { max: 2 }));
  try {
    const list = validSales(sampleRecords(120, 35));
    for (const [round, month] of [Date.UTC(2003, 3, 9), Date.UTC(2003, 4, 9)].entries()) {
      const results = await Promise.all(clients.map((sql, p) =>
        writeBatch(
          sql,
          batch(
            list.filter((_, i) => i % 12 === p + round * 6),
            (i) => new Date(month + i * 60_000),
            p + round * 6,
            null,
          ),
        )
      ));
      assert.equal(results.reduce((n, r) => n + r.inserted, 0), 60);
    }
    const rows = await db.sql`
      select tableoid::regclass::text as part, count(*)::int as n from sales group by 1 order by 1`;
    assert.deepEqual(rows.map((r) => [r.part, r.n]), [["sales_2003_04", 60], [
      "sales_2003_05",
      60,
    ]]);
    assert.deepEqual(await findDrift(db.sql), []);
  } finally {
    await Promise.all(clients.map((sql) => sql.end({ timeout: 5 })));
    await db.close();
  }
});
