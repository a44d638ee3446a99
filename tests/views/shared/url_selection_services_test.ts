/**
 * Time ranges and drill-down filters: every KPI, chart and table of `/` and the JSON API equal a
 * GROUP BY over `sales` restricted the same way (sales older than the range do not count).
 */
import assert from "node:assert/strict";
import type { SaleRecord } from "../../../lib/core/sale.ts";
import type { Sql } from "../../../lib/infra/db.ts";
import { chartData, kpiValues, unescapeAttr } from "../../support/html.ts";
import { sampleRecords } from "../../support/fixtures.ts";
import { type DashboardApp, withAgedApp } from "../../support/aged_app.ts";
import { type AskFilters, expectedKpis, whereSales } from "../../support/sales_sql.ts";

const GROUP = "range-test-group";
const TOPIC = "range-test-topic";
const MINUTE = 60_000;

/** When each sale was sold, by its index: spread from 9 days ago to a minute ago. */
const AGES_MINUTES = [5, 12, 40, 70, 200, 500, 1_300, 2_000, 8_000, 13_000];

/** The selection the test asks for, as URL parameters. */
interface Ask extends AskFilters {
  range?: string;
}

/** Revenue by a column of `sales` (and its label) for the selection, as decimal strings. */
async function revenueBy(
  sql: Sql,
  ask: Ask,
  from: string | null,
  to: string | null,
  by: "category" | "state" | "card",
) {
  const key = by === "category"
    ? sql`(select name from categories c where c.category_id = s.category_id)`
    : by === "state"
    ? sql`s.state`
    : sql`s.card_company`;
  const rows = await sql`
    select ${key} as k, sum(sale_price)::text as revenue, count(*)::text as n
    from sales s ${whereSales(sql, ask, from, to)} group by 1`;
  return new Map(rows.map((r) => [r.k as string, { revenue: r.revenue as string, n: r.n }]));
}

/** Runs `check` with an app over a fresh database holding the spread-out sales. */
function withApp(
  check: (app: DashboardApp, sql: Sql, records: SaleRecord[]) => Promise<void>,
) {
  const records = sampleRecords(1_500, 83);
  const source = { groupId: GROUP, topic: TOPIC };
  return withAgedApp(
    { records, agesMinutes: AGES_MINUTES, source },
    (app, sql) => check(app, sql, records),
  );
}

const ASKS: Ask[] = [
  { range: "15m" },
  { range: "1h" },
  { range: "6h" },
  { range: "24h" },
  { range: "7d" },
  { range: "all" },
  { range: "1h", state: "CA" },
  { range: "24h", category: "Electronics" },
  { range: "7d", card: "Visa" },
  { range: "all", state: "TX", category: "Books" },
  { range: "6h", state: "CA", card: "Mastercard" },
];

Deno.test("every KPI of / and /api/summary equals a GROUP BY over sales for each range and filter", async () => {
  await withApp(async (app, sql) => {
    for (const ask of ASKS) {
      const query = new URLSearchParams(ask as Record<string, string>).toString();
      const api = await (await app.request(`/api/summary?${query}`)).json();
      const want = await expectedKpis(sql, ask, api.from, api.to);
      const label = `?${query}`;
      assert.deepEqual(
        {
          sales: String(api.sales),
          revenue: api.revenue,
          cost: api.cost,
          profit: api.profit,
          margin: api.margin,
          aov: api.aov,
          customers: String(api.customers),
          products: String(api.products),
          categories: String(api.categories),
        },
        want,
        label,
      );
      const html = await (await app.request(`/?${query}`)).text();
      const nav = /<nav class="selection"[^>]*>/.exec(html)?.[0] ?? "";
      const from = /data-from="([^"]*)"/.exec(nav)?.[1] ?? null;
      const to = /data-to="([^"]*)"/.exec(nav)?.[1] ?? null;
      const { rejected: _, untrusted: __, ...tiles } = kpiValues(html);
      assert.deepEqual(tiles, await expectedKpis(sql, ask, from, to), `page ${label}`);
    }
  });
});

Deno.test("the ranges leave out sales older than their start, and all time counts every sale", async () => {
  await withApp(async (app, sql, records) => {
    const counts: Record<string, number> = {};
    for (const range of ["15m", "1h", "6h", "24h", "7d", "all"]) {
      const api = await (await app.request(`/api/summary?range=${range}`)).json();
      counts[range] = api.sales;
      if (range === "all") {
        assert.equal(api.from, null);
        assert.equal(api.to, null);
        continue;
      }
      const minutes = { "15m": 15, "1h": 60, "6h": 360, "24h": 1440, "7d": 10080 }[range]!;
      assert.equal(
        (Date.parse(api.to) - Date.parse(api.from)) / MINUTE,
        minutes,
        `${range} spans ${minutes} whole minutes`,
      );
      const [older] = await sql`
        select count(*)::int as n from sales where sold_at < ${new Date(api.from)}`;
      assert.ok(older!.n > 0, `${range}: some sales are older than the range`);
      assert.equal(api.sales + older!.n, records.length, `${range}: the rest are older`);
    }
    // Each longer range holds the shorter ones (the test's sales span 5 minutes to 9 days).
    assert.ok(counts["15m"]! < counts["1h"]! && counts["1h"]! < counts["6h"]!);
    assert.ok(counts["6h"]! < counts["24h"]! && counts["24h"]! < counts["7d"]!);
    assert.ok(counts["7d"]! < counts["all"]!);
    assert.equal(counts.all, records.length);
  });
});

Deno.test("charts, top customers and recent sales follow the range and the filters", async () => {
  await withApp(async (app, sql) => {
    for (const ask of ASKS.filter((a) => a.state || a.category || a.card || a.range === "1h")) {
      const query = new URLSearchParams(ask as Record<string, string>).toString();
      const api = await (await app.request(`/api/summary?${query}`)).json();
      const charts = await (await app.request(`/fragments/charts?${query}`)).text();
      const byCategory = await revenueBy(sql, ask, api.from, api.to, "category");
      const revenue = chartData(charts, "revenue-by-category");
      assert.deepEqual(
        new Map(revenue.labels.map((l, i) => [l, revenue.values[i]])),
        new Map([...byCategory].map(([k, v]) => [k, v.revenue])),
        `revenue by category ?${query}`,
      );
      const byState = await revenueBy(sql, ask, api.from, api.to, "state");
      const map = chartData(charts, "revenue-by-state");
      const nonZero = map.values.filter((v) => v !== "0.00").length;
      assert.equal(nonZero, byState.size, `states with sales ?${query}`);
      const byCard = await revenueBy(sql, ask, api.from, api.to, "card");
      const cards = chartData(charts, "card-usage");
      assert.deepEqual(
        new Map(cards.labels.map((l, i) => [l, cards.values[i]])),
        new Map([...byCard].map(([k, v]) => [k, String(v.n)])),
        `card usage ?${query}`,
      );

      const customers = await (await app.request(`/api/breakdown/customer?limit=5&${query}`))
        .json();
      const top = await sql`
        select count(*)::int as purchases, sum(sale_price)::text as revenue
        from sales s ${whereSales(sql, ask, api.from, api.to)}
        group by customer_id order by 1 desc, sum(sale_price) desc, customer_id limit 5`;
      assert.deepEqual(
        customers.rows.map((r: { purchases: number; revenue: string }) => [
          r.purchases,
          r.revenue,
        ]),
        top.map((r) => [r.purchases, r.revenue]),
        `top customers ?${query}`,
      );

      const tables = await (await app.request(`/fragments/tables?${query}`)).text();
      // The page's top customers (one pass over the log) are the API's (one query per list).
      const ten = await (await app.request(`/api/breakdown/customer?limit=10&${query}`)).json();
      const shownAverages = [
        ...tables.split('data-table="top-customers"')[1]!.split("</table>")[0]!
          .matchAll(/data-average="([^"]+)"/g),
      ].map((m) => m[1]);
      assert.deepEqual(
        shownAverages,
        ten.rows.map((r: { averagePurchase: string }) => r.averagePurchase),
        `top customers on the page ?${query}`,
      );
      const shown = [...tables.matchAll(/<tr data-sale-id="([^"]+)"/g)].map((m) =>
        unescapeAttr(m[1]!)
      );
      const recent = await sql`
        select sale_id from sales s ${whereSales(sql, ask, api.from, api.to)}
        order by sold_at desc, sale_id desc limit 10`;
      assert.deepEqual(shown, recent.map((r) => r.sale_id), `recent sales ?${query}`);
    }
  });
});

Deno.test("a filter shows as a chip whose link removes it, and charts link to their drill-down", async () => {
  await withApp(async (app) => {
    const html = await (await app.request("/?range=24h&state=CA&card=Visa&refresh=10")).text();
    const chips = [...html.matchAll(/<a class="chip" href="([^"]*)" data-filter="(\w+)"/g)]
      .map((m) => [m[2], unescapeAttr(m[1]!)]);
    assert.deepEqual(chips, [
      ["state", "?range=24h&card=Visa&refresh=10"],
      ["card", "?range=24h&state=CA&refresh=10"],
    ]);
    assert.match(html, /State: California/);
    // The controls keep the filters for the polled panels and a plain form submit.
    assert.match(html, /<input type="hidden" name="state" value="CA"/);
    assert.match(html, /<input type="hidden" name="card" value="Visa"/);
    assert.match(html, /<option value="24h" selected/);
    const map = chartData(html, "revenue-by-state");
    const links = JSON.parse(
      unescapeAttr(/data-chart="revenue-by-state"[^>]*data-links="([^"]*)"/.exec(html)![1]!),
    ) as string[];
    assert.equal(links.length, map.labels.length);
    assert.equal(links[map.labels.indexOf("Texas")], "?range=24h&state=TX&card=Visa&refresh=10");
    // The same links are listed in each chart's figures (with or without JavaScript).
    assert.match(html, /<th scope="row"><a href="\?range=24h&amp;state=CA/);
  });
});

Deno.test("the API refuses a bad range, time or filter with a sentence and status 400", async () => {
  await withApp(async (app) => {
    const cases: [string, RegExp][] = [
      ["range=2h", /range must be one of today, yesterday, .*, 7d, all, custom, got "2h"/],
      ["from=yesterday", /from must be an ISO 8601 time with a zone/],
      ["from=2026-11-27T10:00:00", /from must be an ISO 8601 time with a zone/],
      ["to=2026-13-45T10:00:00Z", /to has no month 13/],
      ["from=2026-11-27T10:00:00Z&to=2026-11-27T10:00:30Z", /at least one whole minute/],
      ["range=1h&from=2026-11-27T10:00:00Z", /either range or from\/to/],
      ["state=Atlantis", /state must be a US state/],
      [`category=${"x".repeat(201)}`, /category must be a name of 1 to 200 characters/],
      ["card=", /card must be a name/],
    ];
    for (const path of ["/api/summary", "/api/breakdown/state"]) {
      for (const [query, message] of cases) {
        const res = await app.request(`${path}?${query}`);
        assert.equal(res.status, 400, `${path}?${query}`);
        assert.match((await res.json()).error, message, `${path}?${query}`);
      }
    }
    // A page ignores what it cannot read and shows all time.
    const page = await app.request("/?range=2h&state=Atlantis");
    assert.equal(page.status, 200);
    assert.match(await page.text(), /data-range="all"/);
  });
});

Deno.test("?from=&to= covers exactly those whole minutes, and names them in the answer", async () => {
  await withApp(async (app, sql) => {
    const to = new Date(Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE);
    const from = new Date(to.getTime() - 24 * 60 * MINUTE);
    const query = `from=${from.toISOString()}&to=${new Date(to.getTime() + 45_000).toISOString()}`;
    const api = await (await app.request(`/api/summary?${query}`)).json();
    assert.equal(api.from, from.toISOString());
    assert.equal(api.to, to.toISOString(), "to is rounded down to the minute");
    assert.deepEqual(
      { sales: String(api.sales), revenue: api.revenue },
      await expectedKpis(sql, {}, api.from, api.to).then((k) => ({
        sales: k.sales,
        revenue: k.revenue,
      })),
    );
    const states = await (await app.request(`/api/breakdown/state?${query}`)).json();
    const want = await revenueBy(sql, {}, api.from, api.to, "state");
    assert.deepEqual(
      new Map(states.rows.map((r: { key: string; revenue: string }) => [r.key, r.revenue])),
      new Map([...want].map(([k, v]) => [k, v.revenue])),
    );
  });
});
