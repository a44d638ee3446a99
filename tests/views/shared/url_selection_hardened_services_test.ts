/**
 * Hardened selections: impossible dates and years the minute log cannot hold are a 400 naming
 * the parameter (never a 503 blaming PostgreSQL), on the API, the pages and their fragments;
 * unknown and over-long parameters never reach a link. (A bad DASHBOARD_TIME_ZONE: one line and
 * exit 2, in tests/infra/settings_test.ts.)
 */
import assert from "node:assert/strict";
import type { Sql } from "../../../lib/infra/db.ts";
import { unescapeAttr } from "../../support/html.ts";
import { sampleRecords } from "../../support/fixtures.ts";
import { type DashboardApp, withAgedApp } from "../../support/aged_app.ts";

const SOURCE = { groupId: "selection-group", topic: "selection-topic" };
const AGES = [2, 25, 70, 300, 1_000, 4_000];

function withApp(check: (app: DashboardApp, sql: Sql) => Promise<void>) {
  return withAgedApp({ records: sampleRecords(800, 17), agesMinutes: AGES, source: SOURCE }, check);
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
