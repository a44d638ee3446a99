/**
 * CSV downloads (?format=csv): every breakdown's and the summary's CSV, read back, equal a GROUP BY
 * over `sales` to the cent for the same selection; stored names that look like formulas arrive as
 * text; each panel links its CSV.
 */
import assert from "node:assert/strict";
import { maskEmail } from "../../lib/core/redact.ts";
import type { Sql } from "../../lib/infra/db.ts";
import { sampleRecords } from "../support/fixtures.ts";
import { type DashboardApp, withAgedApp } from "../support/aged_app.ts";
import { type AskFilters, expectedKpis, whereSales } from "../support/sales_sql.ts";

const SOURCE = { groupId: "csv-group", topic: "csv-topic" };
const AGES = [3, 30, 90, 400, 1_500, 3_000, 20_000];

/** Parses RFC 4180 text (CRLF rows, quoted fields with doubled quotes) into rows of cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], cell = "", quoted = false, i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"', i += 2);
      else if (ch === '"') (quoted = false, i++);
      else (cell += ch, i++);
    } else if (ch === '"') (quoted = true, i++);
    else if (ch === ",") (row.push(cell), cell = "", i++);
    else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell), rows.push(row), row = [], cell = "", i += 2;
    } else if (ch === "\r" || ch === "\n") throw new Error(`bare line break at ${i}`);
    else (cell += ch, i++);
  }
  assert.equal(cell, "", "the text ends with CRLF");
  assert.equal(row.length, 0);
  return rows;
}

/** The rows of a CSV as objects by header. */
function records(text: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  for (const r of rows) assert.equal(r.length, header!.length, "every row has every column");
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

/** Runs `check` with an app over a fresh database of aged sales, one in a hostile category. */
function withApp(check: (app: DashboardApp, sql: Sql) => Promise<void>) {
  const sales = sampleRecords(1_200, 41);
  sales[0] = { ...sales[0]!, category: '=HYPERLINK("http://evil.example","Books")' };
  sales[1] = { ...sales[1]!, product_name: '@SUM(1+1), "quoted"\nname' };
  return withAgedApp({ records: sales, agesMinutes: AGES, source: SOURCE }, check);
}

const SELECTIONS: (AskFilters & { query: string })[] = [
  { query: "" },
  { query: "range=1h" },
  { query: "range=24h&state=CA", state: "CA" },
  { query: "range=7days&card=Visa", card: "Visa" },
  { query: "range=all&category=Books", category: "Books" },
];

Deno.test("each breakdown's CSV, read back, equals a GROUP BY over sales for the same selection", async () => {
  await withApp(async (app, sql) => {
    for (const ask of SELECTIONS) {
      const api = await (await app.request(`/api/summary?${ask.query}`)).json();
      const where = whereSales(sql, ask, api.from, api.to);
      const get = async (kind: string) => {
        const res = await app.request(`/api/breakdown/${kind}?limit=1000&format=csv&${ask.query}`);
        assert.equal(res.status, 200, `${kind} ?${ask.query}`);
        assert.equal(res.headers.get("content-type"), "text/csv; charset=utf-8");
        assert.match(
          res.headers.get("content-disposition") ?? "",
          new RegExp(`^attachment; filename="sales-${kind}-[A-Za-z0-9-]+\\.csv"$`),
        );
        return await res.text();
      };
      const label = (kind: string) => `${kind} ?${ask.query}`;

      const group = async (kind: string, key: ReturnType<typeof sql>) => {
        const text = await get(kind);
        assert.ok(text.startsWith("key,label,sales,revenue,cost,profit\r\n"), label(kind));
        const got = records(text).map((r) => [r.label, r.sales, r.revenue, r.cost, r.profit]);
        const want = await sql`
          select ${key} as label, count(*)::text as sales, sum(sale_price)::text as revenue,
            sum(cost_price)::text as cost, (sum(sale_price) - sum(cost_price))::text as profit
          from sales s ${where} group by 1`;
        const neutral = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
        assert.deepEqual(
          new Set(got.map((r) => r.join("|"))),
          new Set(
            want.map((r) => [neutral(r.label), r.sales, r.revenue, r.cost, r.profit].join("|")),
          ),
          label(kind),
        );
        return got;
      };
      await group(
        "category",
        sql`(select name from categories c where c.category_id = s.category_id)`,
      );
      await group("state", sql`s.state`);
      await group("card", sql`s.card_company`);
      const cities = records(await get("city"));
      const [cityCount] = await sql`
        select count(*)::int as n from (select 1 from sales s ${where} group by state, city) c`;
      assert.equal(cities.length, cityCount!.n, label("city"));
      const cityWant = await sql`
        select city || ', ' || state as label, sum(sale_price)::text as revenue
        from sales s ${where} group by state, city`;
      assert.deepEqual(
        new Map(cities.map((r) => [r.label, r.revenue])),
        new Map(cityWant.map((r) => [r.label, r.revenue])),
        label("city"),
      );

      const products = await get("product");
      assert.ok(
        products.startsWith("product_id,product,category,units,revenue,cost,profit\r\n"),
        label("product"),
      );
      const productWant = await sql`
        select s.product_id::text as id, p.name, c.name as category, count(*)::text as units,
          sum(sale_price)::text as revenue, sum(cost_price)::text as cost,
          (sum(sale_price) - sum(cost_price))::text as profit
        from sales s join products p using (product_id)
          join categories c on c.category_id = p.category_id
        ${where}
        group by s.product_id, p.name, c.name
        order by sum(sale_price) desc, count(*) desc, s.product_id`;
      const neutral = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
      assert.deepEqual(
        records(products).map((r) => Object.values(r)),
        productWant.map((r) => [
          r.id,
          neutral(r.name),
          neutral(r.category),
          r.units,
          r.revenue,
          r.cost,
          r.profit,
        ]),
        label("product"),
      );

      const customers = records(await get("customer"));
      const customerWant = await sql`
        select cu.first_name || ' ' || cu.last_name as name, cu.email, count(*)::text as purchases,
          sum(sale_price)::text as revenue
        from sales s join customers cu using (customer_id) ${where}
        group by s.customer_id, cu.first_name, cu.last_name, cu.email
        order by count(*) desc, sum(sale_price) desc, s.customer_id`;
      assert.deepEqual(
        customers.map((r) => [r.name, r.email, r.purchases, r.revenue]),
        customerWant.map((r) => [r.name, maskEmail(r.email), r.purchases, r.revenue]),
        label("customer"),
      );
    }
  });
});

Deno.test("the summary's CSV holds the current and the previous period, exact, and the API's JSON fields", async () => {
  await withApp(async (app, sql) => {
    for (const query of ["range=24h", "range=1h&state=CA", ""]) {
      const res = await app.request(`/api/summary?format=csv&${query}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "text/csv; charset=utf-8");
      assert.match(
        res.headers.get("content-disposition") ?? "",
        /^attachment; filename="sales-summary-/,
      );
      const rows = records(await res.text());
      const api = await (await app.request(`/api/summary?${query}`)).json();
      const ask = Object.fromEntries(new URLSearchParams(query)) as AskFilters;
      assert.deepEqual(
        rows.map((r) => r.period),
        api.previous ? ["current", "previous"] : ["current"],
      );
      for (const [row, period] of rows.map((r, i) => [r, i === 0 ? api : api.previous] as const)) {
        const want = await expectedKpis(sql, ask, period.from, period.to);
        assert.deepEqual(
          {
            sales: row.sales,
            revenue: row.revenue,
            cost: row.cost,
            profit: row.profit,
            margin: row.margin,
            aov: row.aov,
            customers: row.customers,
            products: row.products,
            categories: row.categories,
          },
          want,
          `${row.period} ?${query}`,
        );
        assert.equal(row.from, period.from ?? "");
        assert.equal(row.to, period.to ?? "");
      }
    }
  });
});

Deno.test("?format= other than json or csv is a 400, and every panel links its CSV for the page's selection", async () => {
  await withApp(async (app) => {
    for (const path of ["/api/summary?format=xlsx", "/api/breakdown/state?format=../etc"]) {
      const res = await app.request(path);
      assert.equal(res.status, 400, path);
      assert.match((await res.json()).error, /format must be json or csv/);
    }
    const html = await (await app.request("/?range=24h&state=CA&refresh=off")).text();
    const links: [string, string][] = [
      ...html.matchAll(/href="([^"]+)" download="" data-csv="([^"]+)"/g),
    ].map((m) => [m[2]!, m[1]!.replaceAll("&amp;", "&")]);
    assert.deepEqual(
      new Map(links),
      new Map([
        ["summary", "/api/summary?range=24h&state=CA&format=csv"],
        ["revenue-by-category", "/api/breakdown/category?range=24h&state=CA&format=csv&limit=1000"],
        ["profit-by-category", "/api/breakdown/category?range=24h&state=CA&format=csv&limit=1000"],
        ["revenue-by-state", "/api/breakdown/state?range=24h&state=CA&format=csv&limit=1000"],
        ["top-cities", "/api/breakdown/city?range=24h&state=CA&format=csv&limit=1000"],
        ["card-usage", "/api/breakdown/card?range=24h&state=CA&format=csv&limit=1000"],
        ["top-products", "/api/breakdown/product?range=24h&state=CA&format=csv&limit=1000"],
        ["top-customers", "/api/breakdown/customer?range=24h&state=CA&format=csv&limit=1000"],
      ]),
    );
    for (const [, href] of links) assert.equal((await app.request(href!)).status, 200, href);
    // The stored names that look like formulas arrive as text, quoted where RFC 4180 wants it.
    const categories = await (await app.request("/api/breakdown/category?format=csv")).text();
    assert.ok(categories.includes(`,"'=HYPERLINK(""http://evil.example"",""Books"")",`));
    const products = await (await app.request("/api/breakdown/product?format=csv&limit=1000"))
      .text();
    assert.ok(products.includes(`,"'@SUM(1+1), ""quoted""\nname",`));
    // Custom dates go to the API as the same dates.
    const custom = await (await app.request("/?from=2026-01-01&to=2026-12-31&tz=UTC")).text();
    assert.match(
      custom,
      /\/api\/summary\?from=2026-01-01&amp;to=2026-12-31&amp;tz=UTC&amp;format=csv/,
    );
  });
});
