/**
 * Top products: the product breakdown, the page's table and the drill-down to one product equal a
 * GROUP BY over `sales`; all time's list is read again once a batch was written.
 */
import assert from "node:assert/strict";
import type { Sql } from "../../lib/infra/db.ts";
import { migrate } from "../../lib/infra/migrate.ts";
import { findDrift } from "../../lib/store/verify.ts";
import { unescapeAttr } from "../support/html.ts";
import { sampleRecords } from "../support/fixtures.ts";
import { type DashboardApp, withAgedApp } from "../support/aged_app.ts";
import { expectedKpis, kpiFields, loadAged, whereSales } from "../support/sales_sql.ts";

const SOURCE = { groupId: "selection-group", topic: "selection-topic" };
const AGES = [2, 25, 70, 300, 1_000, 4_000];

function withApp(check: (app: DashboardApp, sql: Sql) => Promise<void>) {
  return withAgedApp({ records: sampleRecords(800, 17), agesMinutes: AGES, source: SOURCE }, check);
}

Deno.test("the product breakdown and the product filter equal a GROUP BY over sales", async () => {
  await withApp(async (app, sql) => {
    for (const query of ["", "range=24h", "range=1h&state=CA"]) {
      const api = await (await app.request(`/api/summary?${query}`)).json();
      const ask = Object.fromEntries(new URLSearchParams(query));
      const got = await (await app.request(`/api/breakdown/product?limit=5&${query}`)).json();
      const want = await sql`
        select s.product_id as id, p.name, c.name as category, count(*)::int as units,
          sum(sale_price)::text as revenue, (sum(sale_price) - sum(cost_price))::text as profit
        from sales s join products p using (product_id)
          join categories c on c.category_id = p.category_id
        ${whereSales(sql, ask, api.from, api.to)}
        group by s.product_id, p.name, c.name
        order by sum(sale_price) desc, count(*) desc, s.product_id limit 5`;
      assert.deepEqual(
        got.rows.map((
          r: Record<string, unknown>,
        ) => [r.id, r.name, r.category, r.units, r.revenue, r.profit]),
        want.map((r) => [r.id, r.name, r.category, r.units, r.revenue, r.profit]),
        `?${query}`,
      );
      // The page's top products table is the same list (ten rows).
      const tables = await (await app.request(`/fragments/tables?${query}`)).text();
      const shown = [...tables.split('data-table="top-products"')[1]!.split("</table>")[0]!
        .matchAll(/data-product-id="(\d+)"/g)].map((m) => Number(m[1]));
      const ten = await (await app.request(`/api/breakdown/product?limit=10&${query}`)).json();
      assert.deepEqual(shown, ten.rows.map((r: { id: number }) => r.id), `page ?${query}`);
    }
    // Drill down to the best seller of the last day: every figure is that product's.
    const top = (await (await app.request("/api/breakdown/product?range=24h")).json()).rows[0];
    const query = `range=24h&product=${top.id}`;
    const api = await (await app.request(`/api/summary?${query}`)).json();
    assert.deepEqual(api.filters, { product: top.id });
    assert.deepEqual(
      kpiFields(api),
      await expectedKpis(sql, { product: String(top.id) }, api.from, api.to),
    );
    assert.equal(api.products, 1);
    const html = await (await app.request(`/?${query}`)).text();
    assert.match(
      html,
      new RegExp(
        `<a class="chip" href="\\?range=24h" data-filter="product" data-value="${top.id}"`,
      ),
    );
    assert.ok(unescapeAttr(html).includes(`Product: ${top.name} `));
    const recent = [...html.matchAll(/<tr data-sale-id="([^"]+)"/g)].map((m) =>
      unescapeAttr(m[1]!)
    );
    const [n] = await sql`
      select count(*)::int as n from sales where sale_id = any(${recent}) and product_id <> ${top.id}`;
    assert.equal(n!.n, 0, "recent sales are the product's");
    // A product without sales in the range is named by its id, and says there is nothing.
    const none = await (await app.request("/?range=15m&product=999999&state=CA")).text();
    assert.ok(
      unescapeAttr(none).includes(
        "No sales match State: California, Product: #999999 in last 15 min",
      ),
    );
    assert.match(
      none,
      /data-kpi="margin" data-value="0.00"[^>]*><span class="kpi-label">Margin<\/span><span class="kpi-value">—</,
    );
    assert.match(
      none,
      /data-kpi="aov" data-value="0.00"[^>]*><span class="kpi-label">Average order<\/span><span class="kpi-value">—</,
    );
    assert.doesNotMatch(none, /No sales yet/);
  });
});

Deno.test("all time's top products are read again once a batch was written, and equal a GROUP BY then", async () => {
  await withApp(async (app, sql) => {
    const shown = async () => {
      const tables = await (await app.request("/fragments/tables")).text();
      return [
        ...tables.split('data-table="top-products"')[1]!.split("</table>")[0]!
          .matchAll(/data-product-id="(\d+)"[^>]*>.*?data-revenue="([^"]+)"/g),
      ].map((m) => [Number(m[1]), m[2]]);
    };
    const expected = async () =>
      (await sql`
        select product_id as id, sum(sale_price)::text as revenue from sales
        group by product_id order by sum(sale_price) desc, count(*) desc, product_id limit 10`)
        .map((r) => [r.id, r.revenue]);
    assert.deepEqual(await shown(), await expected());
    assert.deepEqual(await shown(), await expected(), "read again without a change");
    // A new batch of one product, dear enough to lead: the next snapshot shows it first.
    const records = sampleRecords(30, 99).map((r, i) => ({
      ...r,
      sale_id: `late-${i}`,
      category: "Books",
      product_name: "Collected Works",
      sale_price: "999.00",
    }));
    await loadAged({ sql } as Parameters<typeof loadAged>[0], records, [1], {
      groupId: "late-group",
      topic: "late-topic",
    });
    const after = await shown();
    assert.deepEqual(after, await expected());
    const [lead] = await sql`select product_id from products where name = 'Collected Works'`;
    assert.equal(after[0]![0], lead!.product_id);
  });
});

Deno.test("a database that had no product table gets it filled from the minute log by its migration, equal to a GROUP BY over sales", async () => {
  await withApp(async (app, sql) => {
    // As a database migrated before 0011 looks: no agg_product and no record of it.
    await sql`drop table agg_product`;
    await sql`delete from schema_migrations where name = '0011_product_totals.sql'`;
    assert.deepEqual(await migrate(sql), ["0011_product_totals.sql"]);
    const stored = await sql`
      select part, product_id, sales_count::text, revenue_cents::text, cost_cents::text
      from agg_product order by part, product_id`;
    const want = await sql`
      select source_partition as part, product_id, count(*)::text as sales_count,
        sum(sale_price * 100)::bigint::text as revenue_cents,
        sum(cost_price * 100)::bigint::text as cost_cents
      from sales group by source_partition, product_id order by part, product_id`;
    assert.ok(want.length > 10, `${want.length} products`);
    assert.deepEqual(stored, want);
    assert.deepEqual(await findDrift(sql), []);
    const body = await (await app.request("/api/breakdown/product?limit=3")).json();
    const top = await sql`
      select product_id as id, sum(sale_price)::text as revenue from sales
      group by product_id order by sum(sale_price) desc, count(*) desc, product_id limit 3`;
    assert.deepEqual(
      body.rows.map((r: { id: number; revenue: string }) => [r.id, r.revenue]),
      top.map((r) => [r.id, r.revenue]),
    );
  });
});
