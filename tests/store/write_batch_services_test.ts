import assert from "node:assert/strict";
import { centsToDecimal } from "../../lib/core/money.ts";
import { findDrift } from "../../lib/store/verify.ts";
import { OffsetConflictError } from "../../lib/store/offsets.ts";
import { writeBatch } from "../../lib/store/write_batch.ts";
import { connect } from "../../lib/infra/db.ts";
import { partitionBatch, sampleRecords, validSales } from "../support/fixtures.ts";
import { expectedTotals } from "../support/money.ts";
import { createTestDatabase } from "../support/services.ts";

Deno.test("writeBatch() stores exact totals and aggregates that equal a GROUP BY over sales", async () => {
  const db = await createTestDatabase();
  try {
    const records = sampleRecords(300, 11);
    const result = await writeBatch(db.sql, partitionBatch(validSales(records), null));
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
    const list = validSales(sampleRecords(50, 12));
    await writeBatch(db.sql, partitionBatch(list, null));
    // The same messages again at later offsets (a producer retry or a replayed file).
    const again = await writeBatch(db.sql, partitionBatch(list, "50", 50));
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
    const [a, b] = validSales(sampleRecords(2, 13));
    await writeBatch(db.sql, partitionBatch([a!, b!], null));
    const changed = { ...a!, salePriceCents: a!.salePriceCents + 100 };
    const result = await writeBatch(db.sql, partitionBatch([changed, b!, b!], "2", 2));
    assert.equal(result.inserted, 0);
    assert.equal(result.duplicates, 2);
    assert.deepEqual(result.conflicts.map((c) => c.sale.saleId), [a!.saleId]);
    const [row] = await db.sql`select sale_price::text from sales where sale_id = ${a!.saleId}`;
    assert.equal(row!.sale_price, centsToDecimal(a!.salePriceCents));
    // The conflicting version and an exact re-delivery in one batch: only the first is a conflict.
    const mixed = await writeBatch(db.sql, partitionBatch([changed, a!], "5", 5));
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
    const list = validSales(sampleRecords(20, 14));
    await writeBatch(db.sql, partitionBatch(list.slice(0, 10), null));
    // A consumer that lost the partition still believes the offset is unset.
    await assert.rejects(
      writeBatch(db.sql, partitionBatch(list.slice(10), null, 10)),
      OffsetConflictError,
    );
    await assert.rejects(
      writeBatch(db.sql, partitionBatch(list.slice(10), "3", 10)),
      OffsetConflictError,
    );
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
    const list = validSales(sampleRecords(400, 16));
    await writeBatch(db.sql, partitionBatch(list.slice(0, 100), null));
    // Both believe they own the partition at offset 100 (a rebalance they did not both see).
    const results = await Promise.allSettled([
      writeBatch(db.sql, partitionBatch(list.slice(100, 250), "100", 100)),
      writeBatch(db.sql, partitionBatch(list.slice(100, 400), "100", 100)),
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
    const list = validSales(sampleRecords(900, 18));
    const onPartition = (p: number) => list.filter((_, i) => i % 3 === p);
    await Promise.all(
      clients.map((sql, p) =>
        writeBatch(sql, { ...partitionBatch(onPartition(p), null), partition: p })
      ),
    );
    // And again, when every id is remembered (no dimension table is touched).
    const more = validSales(sampleRecords(300, 19));
    await Promise.all(clients.map((sql, p) =>
      writeBatch(sql, {
        ...partitionBatch(more.filter((_, i) => i % 3 === p), String(onPartition(p).length), 300),
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
    const list = validSales(sampleRecords(30, 15));
    await writeBatch(db.sql, partitionBatch(list, null));
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
