import assert from "node:assert/strict";
import { validate } from "../../lib/core/decode.ts";
import { centsToDecimal } from "../../lib/core/money.ts";
import { type Sale } from "../../lib/core/sale.ts";
import { findDrift } from "../../lib/store/verify.ts";
import { OffsetConflictError } from "../../lib/store/offsets.ts";
import { selectTopCustomers } from "../../lib/store/queries.ts";
import { type BatchInput, minuteOf, writeBatch } from "../../lib/store/write_batch.ts";

const everything = { fromMinute: null, toMinute: null };
import { connect } from "../../lib/infra/db.ts";
import { sampleRecords } from "../support/fixtures.ts";
import { expectedTotals } from "../support/money.ts";
import { createTestDatabase } from "../support/services.ts";

function sales(records: unknown[]): Sale[] {
  return records.map((r) => {
    const v = validate(r);
    if (!v.ok) throw new Error(v.message);
    return v.sale;
  });
}

function batch(list: Sale[], expectedOffset: string | null, first = 0): BatchInput {
  return {
    groupId: "g",
    topic: "t",
    partition: 0,
    expectedOffset,
    nextOffset: String(first + list.length),
    rejected: 0,
    sales: list.map((sale, i) => ({
      sale,
      offset: String(first + i),
      soldAt: new Date(Date.UTC(2026, 10, 26, 12, i % 3)),
    })),
  };
}

Deno.test("writeBatch() stores exact totals and aggregates that equal a GROUP BY over sales", async () => {
  const db = await createTestDatabase();
  try {
    const records = sampleRecords(300, 11);
    const result = await writeBatch(db.sql, batch(sales(records), null));
    assert.equal(result.inserted, 300);
    const want = expectedTotals(records);
    const [t] = await db.sql`select sales_count, revenue::text, cost::text from sales_totals`;
    assert.equal(Number(t!.sales_count), want.count);
    assert.equal(t!.revenue, centsToDecimal(want.revenue));
    assert.equal(t!.cost, centsToDecimal(want.cost));
    const [{ n }] = await db.sql`select count(*)::int as n from sales_by_minute` as unknown as [
      { n: number },
    ];
    assert.equal(n, 3);
    assert.deepEqual(await findDrift(db.sql), []);
  } finally {
    await db.close();
  }
});

Deno.test("writeBatch() counts a re-delivered sale once", async () => {
  const db = await createTestDatabase();
  try {
    const list = sales(sampleRecords(50, 12));
    await writeBatch(db.sql, batch(list, null));
    // The same messages again at later offsets (a producer retry or a replayed file).
    const again = await writeBatch(db.sql, batch(list, "50", 50));
    assert.equal(again.inserted, 0);
    assert.equal(again.duplicates, 50);
    assert.equal(again.conflicts.length, 0);
    const [t] = await db.sql`select sales_count::int, duplicates::int from sales_totals`;
    assert.deepEqual({ ...t }, { sales_count: 50, duplicates: 50 });
    assert.deepEqual(await findDrift(db.sql), []);
  } finally {
    await db.close();
  }
});

Deno.test("writeBatch() reports a sale_id seen again with other content as a conflict, counted once", async () => {
  const db = await createTestDatabase();
  try {
    const [a, b] = sales(sampleRecords(2, 13));
    await writeBatch(db.sql, batch([a!, b!], null));
    const changed = { ...a!, salePriceCents: a!.salePriceCents + 100 };
    const result = await writeBatch(db.sql, batch([changed, b!, b!], "2", 2));
    assert.equal(result.inserted, 0);
    assert.equal(result.duplicates, 2);
    assert.deepEqual(result.conflicts.map((c) => c.sale.saleId), [a!.saleId]);
    const [row] = await db.sql`select sale_price::text from sales where sale_id = ${a!.saleId}`;
    assert.equal(row!.sale_price, centsToDecimal(a!.salePriceCents));
    // The conflicting version and an exact re-delivery in one batch: only the first is a conflict.
    const mixed = await writeBatch(db.sql, batch([changed, a!], "5", 5));
    assert.deepEqual([mixed.inserted, mixed.duplicates, mixed.conflicts.length], [0, 1, 1]);
    assert.equal(mixed.conflicts[0]!.sale.salePriceCents, changed.salePriceCents);
    const [t] = await db
      .sql`select sales_count::int, rejected::int, duplicates::int from sales_totals`;
    assert.deepEqual({ ...t }, { sales_count: 2, rejected: 2, duplicates: 3 });
  } finally {
    await db.close();
  }
});

Deno.test("writeBatch() refuses a stale expected offset and rolls the whole batch back", async () => {
  const db = await createTestDatabase();
  try {
    const list = sales(sampleRecords(20, 14));
    await writeBatch(db.sql, batch(list.slice(0, 10), null));
    // A consumer that lost the partition still believes the offset is unset.
    await assert.rejects(writeBatch(db.sql, batch(list.slice(10), null, 10)), OffsetConflictError);
    await assert.rejects(writeBatch(db.sql, batch(list.slice(10), "3", 10)), OffsetConflictError);
    const [{ n }] = await db.sql`select count(*)::int as n from sales` as unknown as [
      { n: number },
    ];
    assert.equal(n, 10);
    const [o] = await db.sql`select next_offset::int from consumer_offsets`;
    assert.equal(o!.next_offset, 10);
    assert.deepEqual(await findDrift(db.sql), []);
  } finally {
    await db.close();
  }
});

Deno.test("two consumers writing the same partition at once: one commits, the other is refused", async () => {
  const db = await createTestDatabase();
  try {
    const list = sales(sampleRecords(400, 16));
    await writeBatch(db.sql, batch(list.slice(0, 100), null));
    // Both believe they own the partition at offset 100 (a rebalance they did not both see).
    const results = await Promise.allSettled([
      writeBatch(db.sql, batch(list.slice(100, 250), "100", 100)),
      writeBatch(db.sql, batch(list.slice(100, 400), "100", 100)),
    ]);
    const ok = results.filter((r) => r.status === "fulfilled");
    const refused = results.filter((r) =>
      r.status === "rejected" && r.reason instanceof OffsetConflictError
    );
    assert.deepEqual([ok.length, refused.length], [1, 1]);
    const [t] = await db.sql`select sales_count::int from sales_totals`;
    const [o] = await db.sql`select next_offset::int from consumer_offsets`;
    const winner = (ok[0] as PromiseFulfilledResult<{ inserted: number }>).value.inserted;
    assert.equal(t!.sales_count, 100 + winner);
    assert.equal(o!.next_offset, 100 + winner);
    assert.deepEqual(await findDrift(db.sql), []);
  } finally {
    await db.close();
  }
});

Deno.test("writers on other partitions and other clients share new customers and products exactly", async () => {
  const db = await createTestDatabase();
  // Three clients stand for three consumer processes, each with its own memory of ids.
  const clients = [db.sql, connect(db.url, { max: 2 }), connect(db.url, { max: 2 })];
  try {
    // The same customers buy on every partition: their rows are created by whoever comes first.
    const list = sales(sampleRecords(900, 18));
    const onPartition = (p: number) => list.filter((_, i) => i % 3 === p);
    await Promise.all(
      clients.map((sql, p) => writeBatch(sql, { ...batch(onPartition(p), null), partition: p })),
    );
    // And again, when every id is remembered (no dimension table is touched).
    const more = sales(sampleRecords(300, 19));
    await Promise.all(clients.map((sql, p) =>
      writeBatch(sql, {
        ...batch(more.filter((_, i) => i % 3 === p), String(onPartition(p).length), 300),
        partition: p,
      })
    ));
    const all = [...list, ...more];
    const [t] = await db.sql`
      select sales_count::int, customers::int, products::int, categories::int from sales_totals`;
    assert.deepEqual({ ...t }, {
      sales_count: new Set(all.map((s) => s.saleId)).size,
      customers: new Set(all.map((s) => s.email)).size,
      products: new Set(all.map((s) => `${s.category}/${s.productName}`)).size,
      categories: new Set(all.map((s) => s.category)).size,
    });
    assert.deepEqual(await findDrift(db.sql), []);
  } finally {
    await clients[1]!.end();
    await clients[2]!.end();
    await db.close();
  }
});

Deno.test("writeBatch() stores no full card number, only company, last four and a keyed hash", async () => {
  const db = await createTestDatabase();
  try {
    const list = sales(sampleRecords(30, 15));
    await writeBatch(db.sql, batch(list, null));
    const rows = await db.sql`select row_to_json(s)::text as j from sales s`;
    for (const [i, { j }] of rows.entries()) {
      for (const sale of list) {
        assert.ok(!j.includes(sale.cardNumber), `row ${i} holds a card number`);
      }
    }
    const [r] = await db
      .sql`select card_last4, length(card_fingerprint)::int as len from sales limit 1`;
    assert.match(r!.card_last4, /^\d{4}$/);
    assert.equal(r!.len, 32, "the fingerprint is stored as its 32 bytes");
  } finally {
    await db.close();
  }
});

Deno.test("findDrift() reports a sale whose customer or product is missing, or whose category is not its product's", async () => {
  const db = await createTestDatabase();
  try {
    const list = sales(sampleRecords(20, 14));
    await writeBatch(db.sql, batch(list, null));
    assert.deepEqual(await findDrift(db.sql), []);
    const [a, b, c] = list.map((s) => s.saleId).sort();
    await db.sql`update sales set customer_id = -1 where sale_id = ${a!}`;
    await db.sql`update sales set product_id = -2 where sale_id = ${b!}`;
    await db.sql`update sales set category_id = -3 where sale_id = ${c!}`;
    const drift = (await findDrift(db.sql)).filter((d) => d.table === "sales");
    assert.deepEqual(
      drift.map((d) => [d.key, d.expected]).sort(),
      [
        [a, "customer -1 to exist"],
        [b, "product -2 to exist"],
        [
          c,
          `category ${
            (await db.sql`
        select p.category_id from sales s join products p using (product_id)
        where s.sale_id = ${c!}`)[0]!.category_id
          } (the product's)`,
        ],
      ].sort(),
    );
  } finally {
    await db.close();
  }
});

Deno.test("the overall top customers come from each partition's short list of leaders, exactly", async () => {
  const db = await createTestDatabase();
  try {
    const list = sales(sampleRecords(9000, 23));
    for (let p = 0; p < 3; p++) {
      const mine = list.filter((_, i) => i % 3 === p);
      for (let i = 0; i < mine.length; i += 1000) {
        await writeBatch(db.sql, {
          ...batch(mine.slice(i, i + 1000), i === 0 ? null : String(i), i),
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
