/**
 * The 16-byte de-duplication key of `sale_ids` (sql/0013_sale_id_keys.sql): a canonical UUID is its
 * own key, any other id the MD5 of its text; ids that differ as text stay different sales, and two
 * ids sharing a key stop the batch instead of dropping a sale.
 */
import assert from "node:assert/strict";
import { findDrift } from "../../lib/store/verify.ts";
import { writeBatch } from "../../lib/store/write_batch.ts";
import { partitionBatch, sampleRecords, validSales } from "../support/fixtures.ts";
import { createTestDatabase } from "../support/services.ts";

const UUID = "4f57b765-fcd1-42a7-8417-744c0df0ea4b";

Deno.test("sale_key() is the UUID itself in canonical form, else the MD5 of the id's text", async () => {
  const db = await createTestDatabase();
  try {
    const [row] = await db.sql`
      select sale_key(${UUID})::text as canonical,
        sale_key(${UUID.toUpperCase()})::text as upper, md5(${UUID.toUpperCase()}) as upper_md5,
        sale_key('12345')::text as digits, md5('12345') as digits_md5,
        sale_key('order:7.b_x-1')::text as other, md5('order:7.b_x-1') as other_md5`;
    assert.equal(row!.canonical, UUID);
    assert.equal(row!.upper.replaceAll("-", ""), row!.upper_md5);
    assert.notEqual(row!.upper, UUID, "an upper-case UUID is another id as text");
    assert.equal(row!.digits.replaceAll("-", ""), row!.digits_md5);
    assert.equal(row!.other.replaceAll("-", ""), row!.other_md5);
  } finally {
    await db.close();
  }
});

Deno.test("ids that differ only in case are two sales; each re-delivery is a duplicate", async () => {
  const db = await createTestDatabase();
  try {
    const [a, b, c] = validSales(sampleRecords(3, 31));
    const list = [
      { ...a!, saleId: UUID },
      { ...b!, saleId: UUID.toUpperCase() },
      { ...c!, saleId: "12345" },
    ];
    const first = await writeBatch(db.sql, partitionBatch(list, null));
    assert.equal(first.inserted, 3);
    const again = await writeBatch(db.sql, partitionBatch(list, "3", 3));
    assert.deepEqual([again.inserted, again.duplicates, again.conflicts.length], [0, 3, 0]);
    const ids = await db.sql`select sale_id from sale_ids`;
    assert.deepEqual(ids.map((r) => r.sale_id).sort(), ["12345", UUID.toUpperCase(), UUID]);
    assert.deepEqual(await findDrift(db.sql), []);
  } finally {
    await db.close();
  }
});

Deno.test("a sale whose key is already another id's stops the batch, rolled back, nothing dropped", async () => {
  const db = await createTestDatabase();
  try {
    const [a, b] = validSales(sampleRecords(2, 32));
    // Another id stored under the key of `a` (an MD5 collision, forged here by the owner role).
    await db.sql`
      insert into sale_ids (sale_key, sale_id, sold_at, content_hash)
      values (sale_key(${a!.saleId}), 'another-id', now(), '\\x00')`;
    await assert.rejects(
      writeBatch(db.sql, partitionBatch([a!, b!], null)),
      /writeBatch lost track of 1 sales; rolled back/,
    );
    const [t] = await db.sql`
      select (select count(*) from sales)::int as sales, (select count(*) from sale_ids)::int as ids,
        (select coalesce(sum(sales_count), 0) from agg_totals)::int as counted`;
    assert.deepEqual({ ...t }, { sales: 0, ids: 1, counted: 0 });
    const drift = await findDrift(db.sql);
    assert.deepEqual(drift.map((d) => [d.table, d.key, d.stored]), [
      ["sale_ids", "another-id", "an id row whose key is not sale_key(sale_id)"],
    ]);
  } finally {
    await db.close();
  }
});
