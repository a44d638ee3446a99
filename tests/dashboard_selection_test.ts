/**
 * Hardened selections, products and the time zone setting: impossible dates and years the minute
 * log cannot hold are a 400 naming the parameter (never a 503 blaming PostgreSQL); unknown and
 * over-long parameters never reach a link; the product breakdown and drill-down equal a GROUP BY
 * over `sales`; a bad DASHBOARD_TIME_ZONE is one line and exit 2.
 */
import assert from "node:assert/strict";
import type { Sql } from "../lib/infra/db.ts";
import { createSnapshotStores, loadSnapshot } from "../lib/store/snapshot.ts";
import { createApp } from "../routes/app.ts";
import { unescapeAttr } from "./html.ts";
import { config, createTestDatabase, sampleRecords } from "./helpers.ts";
import { expectedKpis, kpiFields, loadAged, whereSales } from "./sales_sql.ts";

const SOURCE = { groupId: "selection-group", topic: "selection-topic" };
const AGES = [2, 25, 70, 300, 1_000, 4_000];

async function withApp(check: (app: ReturnType<typeof createApp>, sql: Sql) => Promise<void>) {
  const db = await createTestDatabase();
  const stores = createSnapshotStores((spec) => loadSnapshot(db.sql, SOURCE, spec), {
    reuseMs: 0,
    staleMs: 0,
  });
  try {
    await loadAged(db, sampleRecords(800, 17), AGES, SOURCE);
    await check(createApp({ sql: db.sql, stores, endOffsets: null }), db.sql);
  } finally {
    await stores.settled();
    await db.close();
  }
}

const BAD_TIMES: [string, RegExp][] = [
  ["from=2026-02-31T00:00:00Z", /^from is not a date: February 2026 has 28 days/],
  ["from=2024-02-30", /^from is not a date: February 2024 has 29 days/],
  ["to=2026-04-31T10:00:00Z", /^to is not a date: April 2026 has 30 days/],
  ["to=2026-13-01", /^to has no month 13/],
  ["from=2026-00-10", /^from has no month 00/],
  ["from=9999-12-31T23:59:59Z", /^from must be in the years 1 to 6052/],
  ["to=0000-01-01T00:00:00Z", /^to must be in the years 1 to 6052/],
  ["from=6053-01-01", /^from must be in the years 1 to 6052/],
  ["from=2026-11-27T24:00:00Z", /^from is not a time of day/],
  ["from=2026-11-27T10:61:00Z", /^from is not a time of day/],
  ["from=2026-11-27T10:00:00%2B25:00", /^from is not a time of day/],
  ["from=+275760-09-13T00:00:00Z", /^from must be an ISO 8601 time with a zone/],
  ["tz=Mars/Olympus", /^tz must be an IANA time zone name/],
  [`tz=${"A".repeat(5000)}`, /^tz must be an IANA time zone name/],
  ["product=abc", /^product must be a product id/],
  ["product=99999999999", /^product must be a product id/],
];

Deno.test("impossible dates and years the minute log cannot hold are a 400 naming the parameter, on the API and the pages", async () => {
  await withApp(async (app) => {
    for (const [query, message] of BAD_TIMES) {
      for (const path of ["/api/summary", "/api/breakdown/state", "/api/breakdown/product"]) {
        const res = await app.request(`${path}?${query}`);
        const body = await res.json();
        assert.equal(res.status, 400, `${path}?${query}: ${JSON.stringify(body)}`);
        assert.match(body.error, message, `${path}?${query}`);
        assert.doesNotMatch(body.error, /PostgreSQL/);
        assert.ok(body.error.length < 200, "the sentence quotes at most a short part");
      }
      if (query.startsWith("tz") || query.startsWith("product")) continue;
      // The page and its fragments refuse the same custom range (a page ignores a bad zone).
      for (const path of ["/", "/fragments/kpis"]) {
        const res = await app.request(`${path}?range=custom&${query}`);
        assert.equal(res.status, 400, `${path}?${query}`);
        const text = await res.text();
        assert.match(unescapeAttr(text), new RegExp(message.source.replace("^", "")), path);
      }
    }
    // The edges the minute log holds are answered.
    for (const query of ["from=0001-01-01T00:00:00Z", "to=6052-12-31T23:59:00Z"]) {
      assert.equal((await app.request(`/api/summary?${query}`)).status, 200, query);
      assert.equal((await app.request(`/api/breakdown/card?${query}`)).status, 200, query);
    }
    assert.equal((await app.request("/api/summary?from=2024-02-29&to=2024-02-29")).status, 200);
  });
});

Deno.test("unknown and over-long parameters never reach a link, a form or the page's size", async () => {
  await withApp(async (app) => {
    const junk = "x".repeat(10_000);
    const plain = await (await app.request("/?range=24h&state=CA")).text();
    const hostile = await (await app.request(
      `/?range=24h&state=CA&junk=${junk}&category=${"c".repeat(300)}&refresh=${junk}&tz=${junk}` +
        `&utm_source=%22%3E%3Cscript%3E`,
    )).text();
    assert.ok(!hostile.includes("xxxxxxxxxx"), "the ignored parameter is not copied");
    assert.ok(!hostile.includes("ccccccccc"), "the over-long category is left out");
    assert.ok(!hostile.includes("utm_source"));
    assert.ok(hostile.length < plain.length * 1.05, `${hostile.length} vs ${plain.length} bytes`);
    const hrefs = [...hostile.matchAll(/href="([^"]*)"/g)].map((m) => unescapeAttr(m[1]!));
    for (const href of hrefs) {
      const q = new URL(href, "http://x/").searchParams;
      for (const name of q.keys()) {
        assert.ok(
          [
            "range",
            "from",
            "to",
            "tz",
            "state",
            "category",
            "card",
            "product",
            "refresh",
            "format",
            "limit",
          ]
            .includes(name),
          `${href} carries only known parameters`,
        );
      }
    }
    // The chip links carry the valid selection only.
    assert.match(hostile, /<a class="chip" href="\?range=24h"/);
  });
});

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

Deno.test("DASHBOARD_TIME_ZONE: a name Intl does not know is one line and exit 2", async () => {
  for (const zone of ["Mars/Olympus", "UTC; rm -rf /", "x".repeat(500)]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../main.ts", import.meta.url).pathname],
      env: {
        DASHBOARD_TIME_ZONE: zone,
        DATABASE_URL: config.databaseUrl,
        KAFKA_BROKERS: config.kafkaBrokers.join(","),
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 2, zone);
    const err = new TextDecoder().decode(out.stderr).trim().split("\n");
    assert.match(
      err[0]!,
      /^error: DASHBOARD_TIME_ZONE must be an IANA time zone name like America\/New_York or UTC, got "/,
    );
    assert.ok(err[0]!.length < 200);
    assert.equal(new TextDecoder().decode(out.stdout), "");
  }
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
