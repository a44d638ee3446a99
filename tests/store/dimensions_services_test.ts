import assert from "node:assert/strict";
import type { Sale } from "../../lib/core/sale.ts";
import { connect, type Sql } from "../../lib/infra/db.ts";
import { dimensionIds, type SaleIds } from "../../lib/store/dimensions.ts";
import { sampleRecords, validSales } from "../support/fixtures.ts";
import { createTestDatabase } from "../support/services.ts";

/** What each sale's ids point to, read back from the dimension tables. */
async function rowsOf(sql: Sql, ids: SaleIds[]) {
  const name = async (query: Promise<{ v: string }[]>) => (await query)[0]?.v;
  return await Promise.all(ids.map(async (i) => ({
    category: await name(sql`select name as v from categories where category_id = ${i.categoryId}`),
    product: await name(sql`
      select c.name || '/' || p.name as v from products p join categories c using (category_id)
      where p.product_id = ${i.productId}`),
    customer: await name(sql`select email as v from customers where customer_id = ${i.customerId}`),
    city: await name(sql`select state || '/' || name as v from cities where city_id = ${i.cityId}`),
    card: await name(sql`select name as v from card_companies where card_id = ${i.cardId}`),
  })));
}

/** The same, computed from the sales themselves. */
const wanted = (list: Sale[]) =>
  list.map((s) => ({
    category: s.category,
    product: `${s.category}/${s.productName}`,
    customer: s.email,
    city: `${s.state}/${s.city}`,
    card: s.cardCompany,
  }));

/** Rows of each dimension table, and the new rows counted on the totals rows. */
async function counts(sql: Sql) {
  const [r] = await sql`
    select (select count(*)::int from categories) as categories,
      (select count(*)::int from products) as products,
      (select count(*)::int from customers) as customers,
      (select count(*)::int from cities) as cities,
      (select count(*)::int from card_companies) as cards,
      (select coalesce(sum(categories), 0)::int from agg_totals) as counted_categories,
      (select coalesce(sum(products), 0)::int from agg_totals) as counted_products,
      (select coalesce(sum(customers), 0)::int from agg_totals) as counted_customers`;
  return { ...r };
}

/** The distinct keys of the sales, as counts() gives them when every row was made for them. */
function distinct(list: Sale[]) {
  const n = (key: (s: Sale) => string) => new Set(list.map(key)).size;
  const categories = n((s) => s.category);
  const products = n((s) => `${s.category}/${s.productName}`);
  const customers = n((s) => s.email);
  return {
    categories,
    products,
    customers,
    cities: n((s) => `${s.state}/${s.city}`),
    cards: n((s) => s.cardCompany),
    counted_categories: categories,
    counted_products: products,
    counted_customers: customers,
  };
}

Deno.test("dimensionIds() gives each sale the ids of its own rows, creating each missing row once and counting the new ones", async () => {
  const db = await createTestDatabase();
  try {
    const list = validSales(sampleRecords(300, 71));
    // The same product name in two categories and the same city name in two states are two rows.
    const [a, b] = list;
    list.push(
      { ...a!, saleId: "twin-product", category: "Books", productName: "Twin" },
      { ...b!, saleId: "twin-product-2", category: "Garden", productName: "Twin" },
      { ...a!, saleId: "springfield-il", state: "IL", city: "Springfield" },
      { ...b!, saleId: "springfield-ma", state: "MA", city: "Springfield" },
    );
    const ids = await dimensionIds(db.sql, 2, list);
    assert.equal(ids.length, list.length);
    assert.deepEqual(await rowsOf(db.sql, ids), wanted(list));
    assert.deepEqual(await counts(db.sql), distinct(list));
    const { categories, products, customers } = distinct(list);
    const counted = await db.sql`
      select part::int, categories::int, products::int, customers::int from agg_totals
      where categories + products + customers > 0`;
    assert.deepEqual(
      counted.map((r) => ({ ...r })),
      [{ part: 2, categories, products, customers }],
      "the new rows are counted on the batch's partition",
    );
    const at = (id: string) => ids[list.findIndex((s) => s.saleId === id)]!;
    assert.notEqual(at("twin-product").productId, at("twin-product-2").productId);
    assert.notEqual(at("springfield-il").cityId, at("springfield-ma").cityId);
  } finally {
    await db.close();
  }
});

Deno.test("dimensionIds() remembers ids per client: known keys touch no table, another client reads them back", async () => {
  const db = await createTestDatabase();
  const other = connect(db.url, { max: 2 });
  const third = connect(db.url, { max: 2 });
  try {
    const list = validSales(sampleRecords(120, 72));
    const ids = await dimensionIds(db.sql, 0, list);

    // Another client (another consumer process) finds the rows: same ids, nothing created or
    // counted twice.
    assert.deepEqual(await dimensionIds(other, 1, list), ids);
    assert.deepEqual(await counts(db.sql), distinct(list));
    assert.equal((await db.sql`select 1 from agg_totals where part = 1`).length, 0);

    // With every dimension row gone, the first client still answers from memory, without
    // creating a row: a batch of known keys does not touch the dimension tables.
    await db.sql`delete from products`;
    await db.sql`delete from categories`;
    await db.sql`delete from customers`;
    await db.sql`delete from cities`;
    await db.sql`delete from card_companies`;
    assert.deepEqual(await dimensionIds(db.sql, 0, list), ids);
    const [left] = await db.sql`
      select (select count(*)::int from categories) + (select count(*)::int from products) +
        (select count(*)::int from customers) + (select count(*)::int from cities) +
        (select count(*)::int from card_companies) as n`;
    assert.equal(left!.n, 0);
    // A client that never saw them creates them again, with new ids.
    const fresh = await dimensionIds(third, 0, list);
    assert.deepEqual(await rowsOf(db.sql, fresh), wanted(list));
    assert.notDeepEqual(fresh, ids);
  } finally {
    await other.end();
    await third.end();
    await db.close();
  }
});

Deno.test("two clients creating the same new rows at once get the same ids, each row made and counted once", async () => {
  const db = await createTestDatabase();
  const clients = [connect(db.url, { max: 2 }), connect(db.url, { max: 2 })];
  try {
    const list = validSales(sampleRecords(400, 73));
    for (let round = 0; round < 3; round++) {
      // Each round adds sales with keys no one has seen, in opposite orders on the two clients.
      const batch = list.slice(round * 100, round * 100 + 200);
      const [one, two] = await Promise.all([
        dimensionIds(clients[0]!, 0, batch),
        dimensionIds(clients[1]!, 1, [...batch].reverse()),
      ]);
      assert.deepEqual(two, [...one].reverse());
      assert.deepEqual(await rowsOf(db.sql, one), wanted(batch));
    }
    assert.deepEqual(await counts(db.sql), distinct(list.slice(0, 400)));
  } finally {
    await Promise.all(clients.map((c) => c.end()));
    await db.close();
  }
});
