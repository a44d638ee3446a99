import assert from "node:assert/strict";
import { findDrift } from "../../lib/store/verify.ts";
import { writeBatch } from "../../lib/store/write_batch.ts";
import { partitionBatch, sampleRecords, validSales } from "../support/fixtures.ts";
import { createTestDatabase } from "../support/services.ts";

Deno.test("findDrift() reports a sale whose customer or product is missing, or whose category is not its product's", async () => {
  const db = await createTestDatabase();
  try {
    const list = validSales(sampleRecords(20, 14));
    await writeBatch(db.sql, partitionBatch(list, null));
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
