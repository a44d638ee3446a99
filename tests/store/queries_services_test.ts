import assert from "node:assert/strict";
import type { Sale } from "../../lib/core/sale.ts";
import type { Sql } from "../../lib/infra/db.ts";
import {
  selectByCard,
  selectByCategory,
  selectByState,
  selectOffsets,
  selectRecentSales,
  selectSelection,
  selectSeries,
  selectTopCities,
  selectTopCustomers,
  selectTotals,
} from "../../lib/store/queries.ts";
import type { Selection } from "../../lib/store/selection.ts";
import { findDrift } from "../../lib/store/verify.ts";
import { minuteOf, type SourcedSale, writeBatch } from "../../lib/store/write_batch.ts";
import { partitionBatch, sampleRecords, validSales } from "../support/fixtures.ts";
import { createTestDatabase, type TestDatabase } from "../support/services.ts";

const everything = { fromMinute: null, toMinute: null };
const MINUTE = 60_000;
/** The moment the selections below are read at: a whole minute, in the past of no test run. */
const NOW = Date.UTC(2026, 10, 26, 12, 0);
const NOW_MINUTE = NOW / MINUTE;
/** How old each sale is, in minutes, by its index (up to two days). */
const AGES = [1, 3, 10, 45, 90, 200, 700, 1_500, 2_900];

/**
 * 1,200 sales over three partitions and two days, each partition's batch with 1 to 3 rejected
 * messages dated 5 minutes ago, then 20 of partition 0's sales delivered again with 4 rejected
 * messages dated 2,000 minutes ago. Returns the sales.
 */
async function load(db: TestDatabase): Promise<Sale[]> {
  const list = validSales(sampleRecords(1_200, 74));
  const parts: SourcedSale[][] = [[], [], []];
  list.forEach((sale, i) => {
    const part = parts[i % 3]!;
    const soldAt = new Date(NOW - AGES[i % AGES.length]! * MINUTE - (i % 7) * 7_000);
    part.push({ sale, offset: String(part.length), soldAt });
  });
  for (const [partition, sales] of parts.entries()) {
    await writeBatch(db.sql, {
      groupId: "q",
      topic: "t",
      partition,
      expectedOffset: null,
      nextOffset: String(sales.length + partition + 1),
      sales,
      rejected: partition + 1,
      at: new Date(NOW - 5 * MINUTE),
    });
  }
  const again = parts[0]!.slice(0, 20).map((s, i) => ({ ...s, offset: String(401 + i) }));
  await writeBatch(db.sql, {
    groupId: "q",
    topic: "t",
    partition: 0,
    expectedOffset: "401",
    nextOffset: "425",
    sales: again,
    rejected: 4,
    at: new Date(NOW - 2_000 * MINUTE),
  });
  return list;
}

/** The selection as SQL conditions over `sales` (its minutes are those of sold_at). */
function where(sql: Sql, sel: Selection) {
  return sql`
    where true
    ${sel.fromMinute !== null ? sql`and s.sold_at >= ${new Date(sel.fromMinute * MINUTE)}` : sql``}
    ${sel.toMinute !== null ? sql`and s.sold_at < ${new Date(sel.toMinute * MINUTE)}` : sql``}
    ${sel.state !== undefined ? sql`and s.state = ${sel.state}` : sql``}
    ${
    sel.category !== undefined
      ? sql`and s.category_id = (select category_id from categories where name = ${sel.category})`
      : sql``
  }
    ${sel.card !== undefined ? sql`and s.card_company = ${sel.card}` : sql``}`;
}

/** Count and money of grouped sales, as the queries give them. */
function sums(sql: Sql) {
  return sql`count(*)::text as sales_count,
    coalesce(sum(s.sale_price), 0)::numeric(20, 2)::text as revenue,
    coalesce(sum(s.cost_price), 0)::numeric(20, 2)::text as cost`;
}

/** What every query of the selection must answer, computed by GROUP BY over `sales`. */
async function expected(
  sql: Sql,
  sel: Selection,
  counters: { rejected: number; duplicates: number },
) {
  const w = () => where(sql, sel);
  const [totals] = await sql`
    select ${sums(sql)}, count(distinct s.customer_id)::text as customers,
      count(distinct s.product_id)::text as products,
      count(distinct s.category_id)::text as categories, max(s.sold_at) as last_sale_at
    from sales s ${w()}`;
  const group = (rows: Record<string, unknown>[]) =>
    rows.map((r) => ({
      key: r.key,
      label: r.label,
      sales_count: r.sales_count,
      revenue: r.revenue,
      cost: r.cost,
    }));
  return {
    totals: {
      ...totals!,
      rejected: String(counters.rejected),
      duplicates: String(counters.duplicates),
      // every sale here has a trusted time (writeBatch is given it)
      time_ahead: "0",
      time_too_old: "0",
      last_sale_at: sel.fromMinute === null && sel.toMinute === null && !sel.state &&
          !sel.category && !sel.card
        ? totals!.last_sale_at
        : null,
    },
    categories: group(
      await sql`
      select c.category_id::text as key, c.name as label, ${sums(sql)}
      from sales s join categories c on c.category_id = s.category_id ${w()}
      group by c.category_id, c.name order by sum(s.sale_price) desc, c.name`,
    ),
    states: group(
      await sql`
      select s.state as key, s.state as label, ${sums(sql)} from sales s ${w()}
      group by s.state order by sum(s.sale_price) desc, s.state`,
    ),
    cities: group(
      await sql`
      select ci.state || '/' || ci.name as key, ci.name || ', ' || ci.state as label, ${sums(sql)}
      from sales s join cities ci on ci.city_id = s.city_id ${w()}
      group by ci.state, ci.name order by sum(s.sale_price) desc, ci.state, ci.name limit 10`,
    ),
    cards: group(
      await sql`
      select s.card_company as key, s.card_company as label, ${sums(sql)} from sales s ${w()}
      group by s.card_company order by count(*) desc, s.card_company`,
    ),
    customers: (await sql`
      select t.customer_id, cu.first_name, cu.last_name, cu.email, cu.state, t.sales_count,
        t.revenue
      from (
        select s.customer_id, count(*) as n, sum(s.sale_price) as r, count(*)::text as sales_count,
          sum(s.sale_price)::numeric(20, 2)::text as revenue
        from sales s ${w()} group by s.customer_id
        order by count(*) desc, sum(s.sale_price) desc, s.customer_id limit 10
      ) t join customers cu using (customer_id)
      order by t.n desc, t.r desc, t.customer_id`).map((r) => ({ ...r })),
  };
}

/** Sales and revenue per step of the window under the selection's filters, from `sales`. */
async function expectedSeries(sql: Sql, sel: Selection, from: number, to: number, step: number) {
  const rows = await sql`
    select (floor(extract(epoch from s.sold_at) / 60)::bigint / ${step}) * ${step} as minute,
      count(*)::text as sales_count, sum(s.sale_price)::numeric(20, 2)::text as revenue
    from sales s ${where(sql, { ...sel, fromMinute: from, toMinute: to })}
    group by 1 order by 1`;
  return rows.map((r) => ({
    minute: Number(r.minute),
    sales_count: r.sales_count,
    revenue: r.revenue,
  }));
}

Deno.test("every dashboard query answers what a GROUP BY over sales gives, for all time, ranges and filters", async () => {
  const db = await createTestDatabase();
  try {
    const list = await load(db);
    const [a, b, c] = list;
    const selections: [string, Selection, { rejected: number; duplicates: number }][] = [
      ["all time", everything, { rejected: 10, duplicates: 20 }],
      ["the last hour", { fromMinute: NOW_MINUTE - 59, toMinute: NOW_MINUTE + 1 }, {
        rejected: 6,
        duplicates: 0,
      }],
      ["two days", { fromMinute: NOW_MINUTE - 2_999, toMinute: NOW_MINUTE + 1 }, {
        rejected: 10,
        duplicates: 20,
      }],
      ["a state", { ...everything, state: a!.state }, { rejected: 10, duplicates: 20 }],
      ["a category in a day", {
        fromMinute: NOW_MINUTE - 1_439,
        toMinute: NOW_MINUTE + 1,
        category: b!.category,
      }, { rejected: 6, duplicates: 0 }],
      ["a card company in a past window", {
        fromMinute: NOW_MINUTE - 2_500,
        toMinute: NOW_MINUTE - 100,
        card: c!.cardCompany,
      }, { rejected: 4, duplicates: 20 }],
      ["a window without sales", { fromMinute: NOW_MINUTE + 100, toMinute: NOW_MINUTE + 200 }, {
        rejected: 0,
        duplicates: 0,
      }],
    ];
    for (const [label, sel, counters] of selections) {
      const want = await expected(db.sql, sel, counters);
      // Every selection but the empty window has sales in each kind of group.
      const groups = label === "a window without sales" ? 0 : 1;
      for (const part of ["categories", "states", "cities", "cards", "customers"] as const) {
        assert.ok(want[part].length >= groups, `${label}: ${want[part].length} ${part}`);
      }
      const got = {
        totals: { ...await selectTotals(db.sql, sel, NOW_MINUTE) },
        categories: await selectByCategory(db.sql, sel, NOW_MINUTE),
        states: await selectByState(db.sql, sel, NOW_MINUTE),
        cities: await selectTopCities(db.sql, sel, NOW_MINUTE, 10),
        cards: await selectByCard(db.sql, sel, NOW_MINUTE),
        customers: await selectTopCustomers(db.sql, sel, NOW_MINUTE, 10),
      };
      const plain = (rows: object[]) => rows.map((r) => ({ ...r }));
      assert.deepEqual(got.totals, want.totals, `${label}: totals`);
      for (const part of ["categories", "states", "cities", "cards", "customers"] as const) {
        assert.deepEqual(plain(got[part]), want[part], `${label}: ${part}`);
      }
      // One pass over the minute log gives the same figures (all time too, from the log).
      const one = await selectSelection(db.sql, sel, NOW_MINUTE, 10);
      assert.deepEqual(
        { ...one.totals },
        { ...want.totals, last_sale_at: null },
        `${label}: one pass`,
      );
      for (const part of ["categories", "states", "cities", "cards", "customers"] as const) {
        assert.deepEqual(plain(one[part]), want[part], `${label}: ${part} in one pass`);
      }
      for (
        const [from, to, step] of [[NOW_MINUTE - 119, NOW_MINUTE + 1, 1], [
          NOW_MINUTE - 2_999,
          NOW_MINUTE + 1,
          60,
        ]] as const
      ) {
        const series = await selectSeries(db.sql, sel, from, to, step);
        assert.deepEqual(
          series.map((r) => ({ ...r, minute: Number(r.minute) })),
          await expectedSeries(db.sql, sel, from, to, step),
          `${label}: series by ${step} min`,
        );
      }
      const recent = await selectRecentSales(db.sql, sel, 10);
      const newest = await db.sql`
        select s.sale_id, s.sold_at, s.sale_price::text from sales s ${where(db.sql, sel)}
        order by s.sold_at desc, s.sale_id desc limit 10`;
      assert.deepEqual(
        recent.map((r) => [r.sale_id, r.sold_at.toISOString(), r.sale_price]),
        newest.map((r) => [r.sale_id, r.sold_at.toISOString(), r.sale_price]),
        `${label}: recent sales`,
      );
    }
    assert.ok(
      (await selectTotals(db.sql, everything, NOW_MINUTE)).sales_count === "1200",
      "every sale once",
    );
  } finally {
    await db.close();
  }
});

Deno.test("selectOffsets() gives the group's stored next offset of each partition of the topic", async () => {
  const db = await createTestDatabase();
  try {
    await load(db);
    assert.deepEqual((await selectOffsets(db.sql, "q", "t")).map((r) => ({ ...r })), [
      { partition: 0, next_offset: "425" },
      { partition: 1, next_offset: "402" },
      { partition: 2, next_offset: "403" },
    ]);
    assert.equal((await selectOffsets(db.sql, "q", "other")).length, 0);
    assert.equal((await selectOffsets(db.sql, "other", "t")).length, 0);
  } finally {
    await db.close();
  }
});

Deno.test("the overall top customers come from each partition's short list of leaders, exactly", async () => {
  const db = await createTestDatabase();
  try {
    const list = validSales(sampleRecords(9000, 23));
    for (let p = 0; p < 3; p++) {
      const mine = list.filter((_, i) => i % 3 === p);
      for (let i = 0; i < mine.length; i += 1000) {
        await writeBatch(db.sql, {
          ...partitionBatch(mine.slice(i, i + 1000), i === 0 ? null : String(i), i),
          partition: p,
        });
      }
    }
    const [{ leaders, customers }] = await db.sql`
      select (select count(*)::int from agg_customer_leaders) as leaders,
        (select count(distinct customer_id)::int from agg_customer) as customers` as unknown as [
      { leaders: number; customers: number },
    ];
    assert.ok(leaders < customers / 2, `${leaders} leaders of ${customers} customers`);
    const [{ floor }] = await db
      .sql`select min(leader_floor)::int as floor from agg_totals` as unknown as [
        { floor: number },
      ];
    assert.ok(floor > 2, "the floors rose");
    const top = await selectTopCustomers(db.sql, everything, minuteOf(new Date()), 10);
    const want = await db.sql`
      select customer_id, count(*)::text as n, sum(sale_price)::text as revenue from sales
      group by customer_id order by count(*) desc, sum(sale_price) desc, customer_id limit 10`;
    assert.deepEqual(
      top.map((c) => [c.customer_id, c.sales_count, c.revenue]),
      want.map((r) => [r.customer_id, r.n, r.revenue]),
    );
    assert.deepEqual(await findDrift(db.sql), [], "every leader list holds exactly its customers");
  } finally {
    await db.close();
  }
});
