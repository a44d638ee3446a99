import assert from "node:assert/strict";
import type { Sale } from "../../lib/core/sale.ts";
import { connect, maintenanceUrl, type Sql } from "../../lib/infra/db.ts";
import { migrate } from "../../lib/infra/migrate.ts";
import { findDrift } from "../../lib/store/verify.ts";
import { writeBatch } from "../../lib/store/write_batch.ts";
import { sampleRecords, uniqueSuffix, validSales } from "../support/fixtures.ts";
import { config } from "../support/services.ts";
import { writeBatch as writeBatch0010 } from "../support/write_batch_0010.ts";

const SQL_DIR = new URL("../../sql/", import.meta.url);

/** A folder holding the migrations up to `last` only: the schema a deployment had before. */
async function migrationsUpTo(last: number): Promise<URL> {
  const dir = await Deno.makeTempDir({ prefix: "sales-migrations-" });
  for await (const entry of Deno.readDir(SQL_DIR)) {
    const id = Number(/^(\d{4})_/.exec(entry.name)?.[1]);
    if (id <= last) await Deno.copyFile(new URL(entry.name, SQL_DIR), `${dir}/${entry.name}`);
  }
  return new URL(`file://${dir}/`);
}

/** One batch of Kafka partition `partition` for either writer, each sale filed at `at(i)`. */
function batch(
  list: Sale[],
  at: (i: number) => Date,
  partition: number,
  expectedOffset: string | null,
  first = 0,
) {
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

/** Every stored sale, its content hash and every aggregate row, as plain values. */
async function contents(sql: Sql, hashes: "sales" | "sale_ids") {
  const rows = async (query: ReturnType<Sql>) =>
    (await query).map((r) => ({ ...r }) as Record<string, unknown>);
  return {
    sales: await rows(sql`
      select sale_id, customer_id, product_id, category_id, city_id, card_id,
        sale_price::text, cost_price::text, card_company, card_last4,
        encode(card_fingerprint, 'hex') as fingerprint, card_exp_month, card_exp_year, street,
        city, state, zipcode, sold_at, ingested_at, source_partition, source_offset::text
      from sales order by sale_id`),
    hashes: await rows(
      sql`select sale_id, encode(content_hash, 'hex') as h from ${sql(hashes)} order by sale_id`,
    ),
    sums: await rows(sql`
      select count(*)::int as n, sum(sale_price)::text as revenue, sum(cost_price)::text as cost
      from sales`),
    totals: await rows(sql`select * from agg_totals order by part`),
    minute: await rows(sql`select * from agg_minute order by minute, part`),
    category: await rows(sql`select * from agg_category order by part, category_id`),
    city: await rows(sql`select * from agg_city order by part, city_id`),
    card: await rows(sql`select * from agg_card order by part, card_id`),
    customer: await rows(sql`select * from agg_customer order by customer_id, part`),
    leaders: await rows(sql`select * from agg_customer_leaders order by part, customer_id`),
    log: await rows(sql`
      select minute, part, customer_id, city_id, product_id, card_id, category_id, state,
        sum(sales_count)::int as n, sum(revenue_cents)::text as r, sum(cost_cents)::text as c
      from agg_sales_minute group by 1, 2, 3, 4, 5, 6, 7, 8 order by 1, 2, 3, 4, 5, 6, 7, 8`),
    view: await rows(sql`select * from sales_totals`),
  };
}

Deno.test("the migration to monthly partitions keeps every sale and figure of a database filled by the schema before, and new writes still de-duplicate against its sales", async () => {
  const name = `sales_test_${uniqueSuffix()}`;
  const admin = connect(maintenanceUrl(config.databaseUrl), { max: 1 });
  await admin`create database ${admin(name)}`;
  const url = new URL(config.databaseUrl);
  url.pathname = `/${name}`;
  const sql = connect(url.toString(), { max: 2 });
  const before0011 = await migrationsUpTo(10);
  try {
    await migrate(sql, before0011);
    const list = validSales(sampleRecords(400, 41));
    const months = [Date.UTC(2025, 0, 15), Date.UTC(2025, 5, 30, 23, 59), Date.now() - 60_000];
    const at = (i: number) => new Date(months[i % 3]! + (i % 11) * 1000);
    // Two Kafka partitions; the second re-delivers some of the first's sales and one conflict.
    await writeBatch0010(sql, batch(list.slice(0, 200), at, 0, null));
    await writeBatch0010(sql, batch(list.slice(200), (i) => at(i + 200), 1, null));
    const changed = { ...list[3]!, salePriceCents: list[3]!.salePriceCents + 1 };
    const old = await writeBatch0010(
      sql,
      batch([...list.slice(0, 20), changed], (i) => at(i), 1, "200", 200),
    );
    assert.deepEqual([old.inserted, old.duplicates, old.conflicts.length], [0, 20, 1]);
    const before = await contents(sql, "sales");
    assert.equal(before.sums[0]!.n, 400);
    assert.deepEqual(await findDriftOf0010(sql), 0);

    const applied = await migrate(sql);
    assert.deepEqual(applied, [
      "0011_product_totals.sql",
      "0012_sales_retention.sql",
      "0013_sale_id_keys.sql",
    ]);
    const after = await contents(sql, "sale_ids");
    assert.deepEqual(after, before, "every sale, hash and aggregate row as it was");
    assert.deepEqual(await findDrift(sql), []);
    const parts = await sql`
      select tableoid::regclass::text as part, count(*)::int as n from sales group by 1 order by 1`;
    const current = new Date(months[2]!).toISOString().slice(0, 7).replace("-", "_");
    assert.deepEqual(parts.map((p) => [p.part, p.n]), [
      ["sales_2025_01", 134],
      ["sales_2025_06", 133],
      [`sales_${current}`, 133],
    ]);

    // New writes: a re-delivery of old sales (same times), a re-sent copy under another time,
    // a conflicting copy, and new sales.
    const newer = validSales(sampleRecords(410, 41)).slice(400);
    const resent = await writeBatch(
      sql,
      batch(
        [...list.slice(0, 30), list[31]!, changed, ...newer],
        (i) => i === 30 ? new Date(Date.UTC(2025, 2, 1)) : i < 30 ? at(i) : new Date(),
        0,
        "200",
        200,
      ),
    );
    assert.deepEqual(
      [resent.inserted, resent.duplicates, resent.conflicts.map((c) => c.sale.saleId)],
      [10, 31, [changed.saleId]],
    );
    const [n] = await sql`
      select (select count(*) from sales)::int as sales, (select count(*) from sale_ids)::int as ids,
        (select sales_count from sales_totals)::int as counted`;
    assert.deepEqual({ ...n }, { sales: 410, ids: 410, counted: 410 });
    assert.deepEqual(await findDrift(sql), []);
  } finally {
    await sql.end({ timeout: 5 });
    await admin`drop database if exists ${admin(name)} with (force)`;
    await admin.end({ timeout: 5 });
    await Deno.remove(new URL(before0011), { recursive: true });
  }
});

/** The drift of a database of the schema before 0011: sales and their aggregates (0: none). */
async function findDriftOf0010(sql: Sql): Promise<number> {
  const [row] = await sql`
    select (select count(*) from sales)::int - (select sum(sales_count) from agg_totals)::int as d`;
  return row!.d as number;
}
