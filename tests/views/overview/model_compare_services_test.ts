/**
 * Against the previous period, and days in a time zone: /api/summary's `previous` and each KPI
 * tile's previous value equal a GROUP BY over `sales` for the period of equal length before;
 * all time has none; Today, Yesterday, This week, Last 7 days and This month start at local
 * midnight of DASHBOARD_TIME_ZONE or ?tz=; every time on the page names its zone.
 */
import assert from "node:assert/strict";
import type { Sql } from "../../../lib/infra/db.ts";
import { localTime } from "../../../lib/core/zoned_time.ts";
import { sampleRecords } from "../../support/fixtures.ts";
import { type DashboardApp, withAgedApp } from "../../support/aged_app.ts";
import { expectedKpis, kpiFields } from "../../support/sales_sql.ts";

const SOURCE = { groupId: "compare-group", topic: "compare-topic" };
const MINUTE = 60_000;
/** Ages in minutes: every hour of the last two days has sales, and some are weeks old. */
const AGES = [1, 8, 30, 55, 65, 80, 119, 125, 240, 700, 1_439, 1_450, 2_000, 2_870, 9_000, 50_000];

/** Runs `check` with an app (server zone `timeZone`) over a fresh database with aged sales. */
function withApp(
  check: (app: DashboardApp, sql: Sql) => Promise<void>,
  timeZone?: string,
) {
  const records = sampleRecords(1_600, 29);
  return withAgedApp({ records, agesMinutes: AGES, source: SOURCE, timeZone }, check);
}

const QUERIES = [
  "range=15m",
  "range=1h",
  "range=24h",
  "range=7d",
  "range=today",
  "range=yesterday",
  "range=week",
  "range=7days",
  "range=month",
  "range=1h&state=CA",
  "range=24h&category=Books&card=Visa",
  "from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z",
];

Deno.test("/api/summary's previous equals a GROUP BY over sales for the period of equal length before", async () => {
  await withApp(async (app, sql) => {
    for (const query of QUERIES) {
      const api = await (await app.request(`/api/summary?${query}`)).json();
      const filters = Object.fromEntries(
        [...new URLSearchParams(query)].filter(([k]) => !["range", "from", "to"].includes(k)),
      );
      assert.ok(api.previous, `${query} has a previous period`);
      const length = Date.parse(api.to) - Date.parse(api.from);
      assert.equal(api.previous.to, api.from, `${query}: the previous period ends where it starts`);
      assert.equal(Date.parse(api.previous.to) - Date.parse(api.previous.from), length, query);
      assert.deepEqual(api.previous.filters, api.filters, `${query}: the same filters`);
      assert.deepEqual(
        kpiFields(api.previous),
        await expectedKpis(sql, filters, api.previous.from, api.previous.to),
        `previous of ?${query}`,
      );
      assert.deepEqual(
        kpiFields(api),
        await expectedKpis(sql, filters, api.from, api.to),
        `?${query}`,
      );
      const [newest] = await sql`
        select max(sold_at) as at from sales
        where sold_at >= ${new Date(api.previous.from)} and sold_at < ${new Date(api.previous.to)}
          ${filters.state ? sql`and state = ${filters.state}` : sql``}
          ${filters.card ? sql`and card_company = ${filters.card}` : sql``}
          ${
        filters.category
          ? sql`and category_id = (select category_id from categories where name = ${filters.category})`
          : sql``
      }`;
      assert.equal(api.previous.lastSaleAt, newest!.at?.toISOString() ?? null, query);
      assert.equal(api.previous.rejected, 0);
    }
    // All time has nothing before it: no previous at all.
    const all = await (await app.request("/api/summary")).json();
    assert.equal("previous" in all, false);
    const allState = await (await app.request("/api/summary?range=all&state=CA")).json();
    assert.equal("previous" in allState, false);
    // An open-ended range neither.
    const open = await (await app.request("/api/summary?from=2026-01-01T00:00:00Z")).json();
    assert.equal("previous" in open, false);
  });
});

Deno.test("each KPI tile shows its change against the previous period: previous value, difference and percent, exact", async () => {
  await withApp(async (app, sql) => {
    const html = await (await app.request("/fragments/kpis?range=1h")).text();
    const api = await (await app.request("/api/summary?range=1h")).json();
    const before = await expectedKpis(sql, {}, api.previous.from, api.previous.to);
    const now = await expectedKpis(sql, {}, api.from, api.to);
    const tiles = new Map(
      [...html.matchAll(
        /data-kpi="(\w+)" data-value="([^"]+)"[^>]*>.*?data-change="(\w+)" data-previous="([^"]+)" data-delta="([^"]+)"(?: data-delta-percent="([^"]+)")?/g,
      )].map((
        m,
      ) => [m[1]!, { value: m[2]!, direction: m[3]!, previous: m[4]!, delta: m[5]!, pct: m[6] }]),
    );
    const cents = (v: string) => BigInt(v.replace(".", ""));
    for (const name of ["revenue", "cost", "profit"] as const) {
      const tile = tiles.get(name)!;
      assert.equal(tile.previous, before[name], name);
      const delta = cents(now[name]) - cents(before[name]);
      assert.equal(cents(tile.delta), delta, `${name} difference`);
      assert.equal(tile.direction, delta > 0n ? "up" : delta < 0n ? "down" : "same");
      if (cents(before[name]) !== 0n) {
        const base = cents(before[name]) < 0n ? -cents(before[name]) : cents(before[name]);
        const scaled = delta * 10_000n;
        const abs = scaled < 0n ? -scaled : scaled;
        const q = (2n * abs + base) / (2n * base);
        const pct = `${scaled < 0n ? "-" : ""}${q / 100n}.${String(q % 100n).padStart(2, "0")}`;
        assert.equal(tile.pct, pct, `${name} percent`);
      }
    }
    for (const name of ["sales", "customers", "products", "categories"] as const) {
      const tile = tiles.get(name)!;
      assert.equal(tile.previous, before[name], name);
      assert.equal(Number(tile.delta), Number(now[name]) - Number(before[name]), name);
    }
    // The margin changes in percentage points, without a percent of a percent.
    const margin = tiles.get("margin")!;
    assert.equal(margin.previous, before.margin);
    assert.equal(margin.pct, undefined);
    assert.match(html, /[▲▼■]<\/span> [+−±][\d.]+\u00a0pp/);
    // The arrows are not the only sign: each change has its sign and a sentence in its title.
    assert.match(
      html,
      /title="(up|down) \$[\d,.]+, [\d.]+ % from the previous period \(\$[\d,.]+ before\)"/,
    );
    assert.match(
      html,
      /Changes against \d\d:\d\d to \d\d:\d\d UTC, the period of the same length before/,
    );
    // All time: no change on any tile.
    const all = await (await app.request("/fragments/kpis")).text();
    assert.doesNotMatch(all, /data-change=/);
    assert.match(all, /All time: nothing before to compare with/);
  });
});

/** The local wall-clock time of an ISO instant in a zone, as "YYYY-MM-DD HH:MM". */
function local(iso: string, zone: string): string {
  const t = localTime(new Date(iso), zone);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${t.year}-${p(t.month)}-${p(t.day)} ${p(t.hour)}:${p(t.minute)}`;
}

Deno.test("day ranges start at local midnight of DASHBOARD_TIME_ZONE, or of ?tz= when given", async () => {
  for (const zone of ["America/New_York", "Asia/Kathmandu"]) {
    await withApp(async (app) => {
      const day = async (query: string) =>
        await (await app.request(`/api/summary?${query}`)).json();
      const today = await day("range=today");
      const nowLocal = local(new Date().toISOString(), zone);
      assert.equal(local(today.from, zone), `${nowLocal.slice(0, 10)} 00:00`, `${zone} today`);
      assert.ok(Date.parse(today.to) > Date.now() - MINUTE, "today runs to the current minute");
      const yesterday = await day("range=yesterday");
      assert.equal(yesterday.to, today.from, "yesterday ends where today starts");
      assert.equal(local(yesterday.from, zone).slice(11), "00:00");
      const week = await day("range=week");
      assert.equal(localTime(new Date(week.from), zone).weekday, 0, "the week starts on Monday");
      assert.equal(local(week.from, zone).slice(11), "00:00");
      const month = await day("range=month");
      assert.equal(local(month.from, zone).slice(8), "01 00:00");
      const seven = await day("range=7days");
      assert.equal(local(seven.from, zone).slice(11), "00:00");
      assert.ok((Date.parse(today.from) - Date.parse(seven.from)) / 86_400_000 >= 5.9);
      // ?tz= overrides the server's zone, for the API and the page.
      const utc = await day("range=today&tz=UTC");
      assert.equal(utc.from.slice(11), "00:00:00.000Z");
      // A date of custom dates is a whole local day.
      const custom = await day("from=2026-03-08&to=2026-03-08");
      assert.equal(local(custom.from, zone), "2026-03-08 00:00");
      assert.equal(local(custom.to, zone), "2026-03-09 00:00");
      const page = await (await app.request("/?range=today")).text();
      assert.match(page, new RegExp(`data-time-zone="${zone}"`));
    }, zone);
  }
  // New York's summer time began on 2026-03-08: that day had 23 hours.
  await withApp(async (app) => {
    const api = await (await app.request("/api/summary?from=2026-03-08&to=2026-03-08")).json();
    assert.equal((Date.parse(api.to) - Date.parse(api.from)) / 3_600_000, 23);
    assert.equal(api.from, "2026-03-08T05:00:00.000Z");
  }, "America/New_York");
});

Deno.test("every time on the page names its zone: range, recent sales, freshness, chart and comparison", async () => {
  await withApp(async (app) => {
    const html = await (await app.request("/?range=24h&refresh=off")).text();
    assert.match(html, /Last 24 hours \(\d\d-\d\d \d\d:\d\d to \d\d-\d\d \d\d:\d\d E[SD]T\)/);
    assert.match(html, /Data as of <time[^>]*>\d\d:\d\d:\d\d E[SD]T<\/time>/);
    assert.match(html, /Newest sale at <time[^>]*>\d\d:\d\d:\d\d E[SD]T<\/time>/);
    const recent = html.split('data-table="recent-sales"')[1]!;
    const times = [...recent.matchAll(/<tr data-sale-id="[^"]+"><td[^>]*>([^<]+)<\/td>/g)].map((
      m,
    ) => m[1]);
    assert.equal(times.length, 10);
    for (const t of times) assert.match(t!, /^\d\d:\d\d:\d\d E[SD]T$/);
    assert.match(html, /Sales and revenue per hour \(EST\)/);
    assert.match(html, /Custom dates \(EST\)/);
    const all = await (await app.request("/?tz=Europe/Berlin")).text();
    assert.match(all, /All time<span class="zone-note">\(times in GMT\+[12]\)<\/span>/);
    assert.match(
      await (await app.request("/kafka?tz=UTC")).text(),
      /Reports as of <time[^>]*>\d\d:\d\d:\d\d UTC</,
    );
  }, "America/New_York");
});
