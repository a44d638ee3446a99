import assert from "node:assert/strict";
import { Kafka, logLevel } from "kafkajs";
import { createApp } from "../../routes/app.ts";
import { FailedLogins } from "../../routes/auth.ts";
import { CSP } from "../../routes/csp.ts";
import { validate } from "../../lib/core/decode.ts";
import type { DashboardDeps } from "../../routes/deps.ts";
import { type EndOffsetsReader, kafkaEndOffsets } from "../../lib/consume/lag.ts";
import { chartData, kpiValues } from "../support/html.ts";
import {
  createSnapshotStores,
  loadSnapshot,
  type Snapshot,
  type SnapshotStores,
} from "../../lib/store/snapshot.ts";
import { STATE_FIPS } from "../../lib/core/us_states.ts";
import { connect } from "../../lib/infra/db.ts";
import { createDashboardKafka, ensureTopic } from "../../lib/infra/kafka.ts";
import { countKpi, moneyKpi, percentKpi } from "../../views/shared/display.ts";
import { maskEmail } from "../../lib/core/redact.ts";
import { centsToDecimal } from "../../lib/core/money.ts";
import { type SaleRecord } from "../../lib/core/sale.ts";
import { US_STATES } from "../../lib/core/us_states.ts";
import { writeBatch } from "../../lib/store/write_batch.ts";
import { largeSales, sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { cents, divide, expectedKpis as kpisOf, revenueBy } from "../support/money.ts";
import {
  config,
  createTestDatabase,
  holdTableLock,
  type TestDatabase,
  testKafka,
} from "../support/services.ts";

const GROUP = "dashboard-test-group";
const TOPIC = "dashboard-test-topic";
const XSS_NAME = "<script>alert(1)</script>";
const XSS_EMAIL = "xss.buyer@example.com";
const REJECTED = 3;

/** 40 sales by one customer whose first name is a script tag, in DC (FIPS 11). */
function xssRecords(): SaleRecord[] {
  return Array.from({ length: 40 }, (_, i) => ({
    sale_id: `xss-${i}`,
    first_name: XSS_NAME,
    last_name: `O'Brien & <b>Co</b>`,
    email: XSS_EMAIL,
    job_title: "Tester",
    credit_card_company: "Visa",
    credit_card_number: "4111111111111111",
    credit_card_expiration_date: "12/30",
    category: "Books",
    product_name: "Cookbook",
    sale_price: `${30 + i}.05`,
    cost_price: "20.00",
    street: "1 Main St",
    city: "Washington",
    state: "DC",
    zipcode: "20001",
  }));
}

/** The known data set: 400 generated sales plus the 40 above. */
function knownRecords(): SaleRecord[] {
  return [...sampleRecords(400, 31), ...xssRecords()];
}

/** The expected KPI values, computed here from the records in cents, and the rejected messages. */
function expectedKpis(records: SaleRecord[]) {
  return { ...kpisOf(records), rejected: String(REJECTED), untrusted: "0" };
}

/** Writes the records through writeBatch (the consumer's own path) as one partition's batch. */
async function load(db: TestDatabase, records: SaleRecord[], partition = 0) {
  const soldAt = new Date();
  const sales = records.map((record, i) => {
    const checked = validate(record);
    if (!checked.ok) throw new Error(checked.message);
    return { sale: checked.sale, offset: String(i), soldAt };
  });
  await writeBatch(db.sql, {
    groupId: GROUP,
    topic: TOPIC,
    partition,
    expectedOffset: null,
    nextOffset: String(records.length + REJECTED),
    sales,
    rejected: REJECTED,
  });
}

/** End offsets that never change, in place of Kafka. */
function fixedEndOffsets(offsets: Record<number, string> | null): EndOffsetsReader {
  return {
    read: () =>
      Promise.resolve(offsets && new Map(Object.entries(offsets).map(([p, o]) => [Number(p), o]))),
    close: () => Promise.resolve(),
  };
}

interface Harness {
  db: TestDatabase;
  app: ReturnType<typeof createApp>;
  stores: SnapshotStores;
  records: SaleRecord[];
}

/** A fresh database holding the known sales, and the app over it; everything closed afterwards. */
async function withDashboard(
  run: (h: Harness) => Promise<void>,
  options: { token?: string; endOffsets?: EndOffsetsReader; records?: SaleRecord[] } = {},
) {
  const db = await createTestDatabase();
  const stores = createSnapshotStores(
    (spec) => loadSnapshot(db.sql, { groupId: GROUP, topic: TOPIC }, spec),
    { reuseMs: 0, staleMs: 0 },
  );
  try {
    const records = options.records ?? knownRecords();
    if (records.length > 0) await load(db, records);
    const deps: DashboardDeps = {
      sql: db.sql,
      stores,
      endOffsets: options.endOffsets ?? fixedEndOffsets({ 0: "1000" }),
      token: options.token,
      // These tests send many wrong tokens on purpose; slowing them down is tested on its own.
      failedLogins: new FailedLogins({ delayMs: 0, limit: Infinity }),
    };
    await run({ db, app: createApp(deps), stores, records });
  } finally {
    await stores.settled();
    await db.close();
  }
}

Deno.test("the page shows every KPI with the exact numbers computed from the sales in cents", async () => {
  await withDashboard(async ({ app, records }) => {
    const res = await app.request("/");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const html = await res.text();
    assert.ok(html.startsWith("<!doctype html>"));
    // JavaScript off: the formatted numbers are in the HTML itself.
    const want = expectedKpis(records);
    assert.deepEqual(kpiValues(html), want);
    assert.ok(html.includes(`>${want.sales}<`));
    assert.match(html, /<meta name="htmx-config" content="[^"]*allowEval&quot;:false/);
    assert.match(html, /allowScriptTags&quot;:false/);
    assert.match(html, /includeIndicatorStyles&quot;:false/);
    assert.ok(
      !/<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/.test(html),
      "no inline script",
    );
    assert.ok(!html.includes("style="), "no inline style");
  });
});

Deno.test("a KPI value too long for its tile is shown compact, the whole value in its title and data-value", async () => {
  assert.deepEqual(moneyKpi("r", "Revenue", "999999.99"), {
    name: "r",
    label: "Revenue",
    value: "999999.99",
    display: "$999,999.99",
  });
  const shown = (kpi: { display: string; exact?: string }) => [kpi.display, kpi.exact];
  assert.deepEqual(shown(moneyKpi("r", "R", "1000000.00")), ["$1.0M", "$1,000,000.00"]);
  assert.deepEqual(shown(moneyKpi("r", "R", "7012345.67")), ["$7.0M", "$7,012,345.67"]);
  assert.deepEqual(shown(moneyKpi("p", "P", "-7012345.67")), ["-$7.0M", "-$7,012,345.67"]);
  assert.deepEqual(shown(moneyKpi("r", "R", "999999999.99")), ["$1.0B", "$999,999,999.99"]);
  assert.deepEqual(shown(countKpi("s", "S", 123456789)), ["123,456,789", undefined]);
  assert.deepEqual(shown(countKpi("s", "S", 1234567890)), ["1.2B", "1,234,567,890"]);
  assert.deepEqual(shown(percentKpi("m", "M", "-99999999.00")), ["-100.0M %", "-99999999.00 %"]);
  await withDashboard(async ({ app }) => {
    const html = await (await app.request("/fragments/kpis")).text();
    assert.match(
      html,
      /data-kpi="revenue" data-value="999999999.99" title="\$999,999,999.99"><span class="kpi-label">Revenue<\/span><span class="kpi-value">\$1.0B<\/span>/,
    );
    assert.match(html, /data-kpi="cost" data-value="0.01"\s*><span/, "no title when shown whole");
    assert.equal(kpiValues(html).aov, "166666666.67");
  }, { records: largeSales("routes-large") });
});

Deno.test("charts without data say so in the page itself, and keep their data on the hidden canvas", async () => {
  await withDashboard(async ({ app }) => {
    const html = await (await app.request("/fragments/charts")).text();
    const empty = [
      ...html.matchAll(/<p class="chart-empty" data-chart-empty="([^"]+)">([^<]+)<\/p>/g),
    ]
      .map((m) => [m[1], m[2]]);
    assert.deepEqual(empty, [
      ["revenue-by-category", "No sales yet"],
      ["profit-by-category", "No sales yet"],
      ["revenue-by-state", "No sales yet"],
      ["top-cities", "No sales yet"],
      ["card-usage", "No sales yet"],
      ["sales-per-minute", "No sales in this period"],
    ]);
    assert.equal([...html.matchAll(/<canvas [^>]*data-empty="true" hidden=""/g)].length, 6);
    assert.deepEqual(chartData(html, "top-cities").labels, []);
  }, { records: [] });
  await withDashboard(async ({ app }) => {
    const html = await (await app.request("/fragments/charts")).text();
    assert.doesNotMatch(html, /data-chart-empty|data-empty|hidden/);
  });
});

Deno.test("GET /api/summary returns the KPI numbers with money as strings with two decimals", async () => {
  await withDashboard(async ({ app, records }) => {
    const res = await app.request("/api/summary");
    assert.equal(res.status, 200);
    const body = await res.json();
    const want = expectedKpis(records);
    for (const key of ["revenue", "cost", "profit", "margin", "aov"] as const) {
      assert.equal(typeof body[key], "string", key);
      assert.match(body[key], /^-?\d+\.\d{2}$/, key);
      assert.equal(body[key], want[key], key);
    }
    for (const key of ["sales", "customers", "products", "categories", "rejected"] as const) {
      assert.equal(body[key], Number(want[key]), key);
    }
    assert.deepEqual(body.untrustedTimes, { ahead: 0, tooOld: 0 });
    assert.equal(body.stale, false);
    assert.equal(body.problem, null);
  });
});

Deno.test("each fragment renders alone as the same panel the page holds, with the chosen hx-trigger", async () => {
  await withDashboard(async ({ app }) => {
    const page = await (await app.request("/?refresh=2")).text();
    for (const name of ["banner", "kpis", "charts", "tables", "freshness"]) {
      const res = await app.request(`/fragments/${name}?refresh=2`);
      assert.equal(res.status, 200, name);
      const html = await res.text();
      assert.ok(html.startsWith(`<div id="panel-${name}"`), `${name} starts with its panel`);
      assert.ok(page.includes(`<div id="panel-${name}"`), `the page holds ${name}`);
      assert.match(html, /hx-trigger="every 2s, refresh-now from:body"/, name);
      assert.match(html, new RegExp(`hx-get="/fragments/${name}"`));
    }
    assert.match(page, /<option value="2" selected>/);
    const off = await (await app.request("/fragments/kpis?refresh=off")).text();
    assert.match(off, /hx-trigger="refresh-now from:body"/);
    const bogus = await (await app.request("/fragments/kpis?refresh=7")).text();
    assert.match(bogus, /hx-trigger="every 5s, refresh-now from:body"/);
    assert.deepEqual(kpiValues(off), kpiValues(page));
    assert.equal((await app.request("/fragments/nope")).status, 404);
    assert.equal((await app.request("/fragments/__proto__")).status, 404);
  });
});

Deno.test("the charts carry exact per-category, per-state, per-city, per-card and per-minute data", async () => {
  await withDashboard(async ({ app, records }) => {
    const html = await (await app.request("/fragments/charts")).text();
    const byCategory = revenueBy(records, (r) => String(r.category));

    const revenue = chartData(html, "revenue-by-category");
    assert.equal(revenue.kind, "doughnut");
    assert.deepEqual(
      new Map(revenue.labels.map((l, i) => [l, revenue.series[0]!.values[i]])),
      byCategory,
    );
    const descending = (values: string[]) =>
      values.every((v, i) => i === 0 || cents(values[i - 1]!) >= cents(v));
    assert.ok(descending(revenue.series[0]!.values), "categories by revenue, highest first");
    const profit = chartData(html, "profit-by-category");
    assert.equal(profit.kind, "bar");
    profit.labels.forEach((label, i) => {
      let p = 0n;
      for (const r of records) {
        if (r.category === label) p += cents(r.sale_price) - cents(r.cost_price);
      }
      assert.equal(profit.series[0]!.values[i], centsToDecimal(p), label);
    });

    const map = chartData(html, "revenue-by-state");
    assert.equal(map.kind, "choropleth");
    assert.equal(map.ids!.length, 51);
    const byState = revenueBy(records, (r) => String(r.state));
    const dc = map.ids!.indexOf("11");
    assert.equal(map.labels[dc], "District of Columbia");
    assert.equal(map.series[0]!.values[dc], byState.get("DC"));
    for (const [code, fips] of Object.entries(STATE_FIPS)) {
      const i = map.ids!.indexOf(fips);
      assert.equal(map.series[0]!.values[i], byState.get(code) ?? "0.00", code);
    }

    const cities = chartData(html, "top-cities");
    const byCity = [...revenueBy(records, (r) => `${r.city}, ${r.state}`)]
      .sort((a, b) => Number(cents(b[1]) - cents(a[1])) || (a[0] < b[0] ? -1 : 1));
    assert.equal(cities.labels.length, 10);
    assert.deepEqual(cities.series[0]!.values, byCity.slice(0, 10).map(([, v]) => v));

    const cards = chartData(html, "card-usage");
    const cardCounts = new Map<string, string>();
    for (const r of records) {
      const k = String(r.credit_card_company);
      cardCounts.set(k, String(Number(cardCounts.get(k) ?? 0) + 1));
    }
    assert.deepEqual(
      new Map(cards.labels.map((l, i) => [l, cards.series[0]!.values[i]])),
      cardCounts,
    );

    assert.ok(descending(cards.series[0]!.values), "most used card company first");

    const minutes = chartData(html, "sales-per-minute");
    assert.equal(minutes.labels.length, 60);
    assert.equal(minutes.series.length, 2);
    assert.equal(minutes.series[0]!.values.reduce((n, v) => n + Number(v), 0), records.length);
    let total = 0n;
    for (const v of minutes.series[1]!.values) total += cents(v);
    assert.equal(centsToDecimal(total), expectedKpis(records).revenue);
  });
});

Deno.test("GET /api/breakdown/KIND returns exact rows for each kind, 404 for others, 400 for a bad limit", async () => {
  await withDashboard(async ({ app, records }) => {
    const get = async (path: string) => {
      const res = await app.request(path);
      return { status: res.status, type: res.headers.get("content-type"), body: await res.json() };
    };
    const category = await get("/api/breakdown/category");
    assert.equal(category.status, 200);
    const byCategory = revenueBy(records, (r) => String(r.category));
    assert.deepEqual(
      new Map(
        category.body.rows.map((r: { label: string; revenue: string }) => [r.label, r.revenue]),
      ),
      byCategory,
    );
    const state = await get("/api/breakdown/state");
    const stateRevenue = state.body.rows.map((r: { revenue: string }) => Number(r.revenue));
    assert.deepEqual(stateRevenue, [...stateRevenue].sort((a, b) => b - a));
    const dc = state.body.rows.find((r: { key: string }) => r.key === "DC");
    assert.equal(dc.revenue, revenueBy(records, (r) => String(r.state)).get("DC"));
    assert.equal(dc.sales, records.filter((r) => r.state === "DC").length);
    const city = await get("/api/breakdown/city?limit=3");
    assert.equal(city.body.rows.length, 3);
    const card = await get("/api/breakdown/card");
    assert.equal(
      card.body.rows.reduce((n: number, r: { sales: number }) => n + r.sales, 0),
      records.length,
    );
    const customer = await get("/api/breakdown/customer?limit=1000");
    assert.equal(customer.status, 200);
    const purchases = customer.body.rows.map((r: { purchases: number }) => r.purchases);
    assert.deepEqual(purchases, [...purchases].sort((a, b) => b - a), "most purchases first");
    const top = customer.body.rows.find((r: { name: string }) => r.name.startsWith(XSS_NAME));
    assert.equal(top.name, `${XSS_NAME} O'Brien & <b>Co</b>`);
    assert.equal(top.email, maskEmail(XSS_EMAIL));
    assert.equal(top.purchases, 40);
    const xssRevenue = xssRecords().reduce((n, r) => n + cents(r.sale_price), 0n);
    assert.equal(top.revenue, centsToDecimal(xssRevenue));
    assert.equal(top.averagePurchase, centsToDecimal(divide(xssRevenue, 40n)));

    const unknown = await get("/api/breakdown/supplier");
    assert.equal(unknown.status, 404);
    assert.match(unknown.type ?? "", /application\/json/);
    assert.match(unknown.body.error, /unknown breakdown "supplier"/);
    assert.equal((await get("/api/breakdown/city?limit=0")).status, 400);
    assert.equal((await get("/api/breakdown/city?limit=abc")).status, 400);
    assert.equal((await get("/api/nothing")).status, 404);
  });
});

Deno.test("emails are masked and card numbers never shown beyond the last four digits, in every view", async () => {
  await withDashboard(async ({ app, records }) => {
    const texts = await Promise.all(
      [
        "/",
        "/fragments/tables",
        "/fragments/charts",
        "/api/breakdown/customer?limit=1000",
        "/api/summary",
      ].map(async (path) => await (await app.request(path)).text()),
    );
    const all = texts.join("\n");
    assert.ok(all.includes(maskEmail(XSS_EMAIL)));
    for (const r of records) {
      assert.ok(!all.includes(String(r.email)), `raw email ${r.email} is not shown`);
      assert.ok(!all.includes(String(r.credit_card_number)), "no full card number");
    }
    const tables = texts[1]!;
    const recentRows = tables.split('data-table="recent-sales"')[1]!.match(/<tr data-sale-id=/g);
    assert.equal(recentRows?.length, 10);
    const cards = [...tables.matchAll(/<td data-card=""[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]!);
    assert.equal(cards.length, 10, "every recent sale shows its card");
    for (const card of cards) assert.match(card, /^[\w ]+ •••• \d{4}$/);
  });
});

Deno.test("a customer named <script>alert(1)</script> renders as text, never as markup", async () => {
  await withDashboard(async ({ app }) => {
    for (const path of ["/", "/fragments/tables"]) {
      const html = await (await app.request(path)).text();
      assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"), path);
      assert.ok(!html.includes("<script>alert(1)"), path);
      assert.ok(!html.includes("<b>Co</b>"), path);
    }
  });
});

Deno.test("every response carries the strict CSP and the secure headers", async () => {
  await withDashboard(async ({ app }) => {
    for (
      const path of [
        "/",
        "/fragments/kpis",
        "/api/summary",
        "/api/breakdown/nope",
        "/static/dashboard.js",
        "/nowhere",
      ]
    ) {
      const res = await app.request(path);
      await res.body?.cancel();
      assert.equal(res.headers.get("content-security-policy"), CSP, path);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(res.headers.get("x-frame-options"), "DENY", path);
      assert.equal(res.headers.get("referrer-policy"), "no-referrer", path);
      assert.equal(res.headers.get("cross-origin-opener-policy"), "same-origin", path);
    }
    // The policy itself: scripts only from this server, no inline code or eval, no framing.
    const directives = new Map(CSP.split("; ").map((d) => [d.split(" ")[0], d]));
    assert.equal(directives.get("script-src"), "script-src 'self'");
    assert.equal(directives.get("default-src"), "default-src 'self'");
    assert.equal(directives.get("object-src"), "object-src 'none'");
    assert.equal(directives.get("frame-ancestors"), "frame-ancestors 'none'");
    assert.ok(!CSP.includes("unsafe"), "no unsafe-inline or unsafe-eval");
  });
});

Deno.test("with DASHBOARD_TOKEN set every route answers 401 without it and 200 with bearer or basic auth", async () => {
  const token = "s3cret-token-for-tests";
  await withDashboard(async ({ app }) => {
    const paths = [
      "/",
      "/fragments/kpis",
      "/api/summary",
      "/api/breakdown/card",
      "/static/dashboard.js",
      "/static/vendor/htmx.min.js",
    ];
    const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;
    for (const path of paths) {
      for (
        const authorization of [
          undefined,
          "Bearer wrong",
          `Bearer ${token}x`,
          basic("admin", "wrong"),
          "Basic !!!",
        ]
      ) {
        const res = await app.request(path, {
          headers: authorization ? { authorization } : {},
        });
        assert.equal(res.status, 401, `${path} with ${authorization}`);
        assert.match(res.headers.get("www-authenticate") ?? "", /^Basic /);
        assert.equal(res.headers.get("content-security-policy"), CSP);
        await res.body?.cancel();
      }
      for (const authorization of [`Bearer ${token}`, basic("anyone", token)]) {
        const res = await app.request(path, { headers: { authorization } });
        assert.equal(res.status, 200, `${path} with the token`);
        await res.body?.cancel();
      }
    }
  }, { token, records: [] });
});

Deno.test("vendor assets are served from node_modules under /static/vendor/", async () => {
  await withDashboard(async ({ app }) => {
    const expect: Record<string, RegExp> = {
      "htmx.min.js": /text\/javascript/,
      "chart.umd.js": /text\/javascript/,
      "chartjs-chart-geo.umd.js": /text\/javascript/,
      "states-10m.json": /application\/json/,
    };
    for (const [name, type] of Object.entries(expect)) {
      const res = await app.request(`/static/vendor/${name}`);
      assert.equal(res.status, 200, name);
      assert.match(res.headers.get("content-type") ?? "", type);
      assert.ok((await res.arrayBuffer()).byteLength > 10_000, name);
    }
    const atlas = await (await app.request("/static/vendor/states-10m.json")).json();
    const names = new Map<string, string>(
      atlas.objects.states.geometries.map((g: { id: string; properties: { name: string } }) => [
        g.id,
        g.properties.name,
      ]),
    );
    for (const [code, fips] of Object.entries(STATE_FIPS)) {
      assert.equal(names.get(fips), US_STATES[code], `${code} is us-atlas id ${fips}`);
    }
    assert.equal((await app.request("/static/missing.js")).status, 404);
    const css = await app.request("/static/dashboard.css");
    assert.match(css.headers.get("content-type") ?? "", /text\/css/);
    await css.body?.cancel();
  }, { records: [] });
});

Deno.test("paths that climb out of /static/ reach the static handler and get nothing outside it", async () => {
  await withDashboard(async ({ app }) => {
    // "/static/../../deno.json" and "/static/%2e%2e/deno.json" are resolved by the URL parser
    // to "/deno.json" before any route sees them; with the slashes encoded, the dots stay in the
    // path and the static handler itself must refuse them.
    for (
      const path of [
        "/static/vendor/..%2F..%2Fdeno.json",
        "/static/..%2fdeno.json",
        "/static/%2e%2e%2f%2e%2e%2fdeno.json",
        "/static/..%5c..%5cdeno.json",
        "/static/vendor%2F..%2F..%2Fmain.ts",
        "/static/vendor/..%2Fdashboard.js",
      ]
    ) {
      const res = await app.request(path);
      const body = await res.text();
      assert.equal(res.status, 404, path);
      assert.equal(body, "Not found", `${path} is answered by the static handler`);
    }
  }, { records: [] });
});

Deno.test("consumer lag per partition is Kafka's end offset minus the stored next offset", async () => {
  await withDashboard(async ({ app, records }) => {
    const html = await (await app.request("/fragments/freshness")).text();
    const stored = records.length + REJECTED;
    const lag = [...html.matchAll(/data-partition="(\d+)" data-partition-lag="(\d+)"/g)]
      .map((m) => [Number(m[1]), m[2]]);
    // Partition 0 stored `stored`; partitions 1 and 2 stored nothing yet.
    assert.deepEqual(lag, [[0, String(1000 - stored)], [1, "25"], [2, "0"]]);
    assert.match(html, new RegExp(`data-lag="${1000 - stored + 25}"`));
    assert.match(
      html,
      /Data as of <time data-as-of="true" datetime="[^"]+">\d\d:\d\d:\d\d UTC<\/time>/,
    );
  }, { endOffsets: fixedEndOffsets({ 0: "1000", 1: "25", 2: "0" }) });
});

Deno.test("lag shows as unknown when Kafka is unreachable, and the page still renders", async () => {
  const kafka = new Kafka({
    clientId: "dashboard-test-unreachable",
    brokers: ["127.0.0.1:1"],
    retry: { retries: 0 },
    connectionTimeout: 300,
    logLevel: logLevel.NOTHING,
  });
  const endOffsets = kafkaEndOffsets(kafka, TOPIC, { waitMs: 1_000 });
  try {
    await withDashboard(async ({ app }) => {
      const started = performance.now();
      const res = await app.request("/");
      const html = await res.text();
      assert.equal(res.status, 200);
      assert.match(
        html,
        /<p data-lag="unknown">Lag unknown: Kafka is unreachable; retrying on every refresh.<\/p>/,
      );
      assert.doesNotMatch(html, /not been created/);
      assert.ok(performance.now() - started < 3_000, "the page does not wait on Kafka for long");
      assert.equal(Object.keys(kpiValues(html)).length, 11);
    }, { endOffsets });
  } finally {
    await endOffsets.close();
  }
});

Deno.test({
  name:
    "lag says the topic has not been created when Kafka answers without it, and shows once it is",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const topic = `sales_test_missing_${uniqueSuffix()}`;
    const logged: string[] = [];
    const kafka = createDashboardKafka(config.kafkaBrokers);
    const endOffsets = kafkaEndOffsets(kafka, topic, {
      waitMs: 5_000,
      reuseMs: 0,
      log: (line) => logged.push(line),
    });
    try {
      await withDashboard(async ({ app }) => {
        const html = await (await app.request("/fragments/freshness")).text();
        assert.match(
          html,
          /<p data-lag="no-topic">No lag yet: Kafka answers, but the sales topic has not been created \(nothing has been produced to it\).<\/p>/,
        );
        assert.doesNotMatch(html, /unreachable/);
        assert.deepEqual(logged, [`topic ${topic} does not exist yet; no lag`]);
        // The /kafka page does not take a missing sales topic for an unreachable Kafka.
        const kafkaPage = await (await app.request("/kafka")).text();
        assert.doesNotMatch(kafkaPage, /Kafka is unreachable/);

        await ensureTopic(testKafka(), topic, 2);
        await waitFor(
          async () => {
            const after = await (await app.request("/fragments/freshness")).text();
            // The stored offsets (443 on partition 0) are past these empty partitions: lag 0.
            return /<table class="lag" data-lag="0">/.test(after) &&
              after.includes('data-partition="1" data-partition-lag="0"');
          },
          "the lag table once the topic exists",
          15_000,
        );
        assert.equal(logged.length, 1, `told once: ${JSON.stringify(logged)}`);
      }, { endOffsets });
    } finally {
      await endOffsets.close();
    }
  },
});

Deno.test("before PostgreSQL is read the lag panel says so instead of blaming Kafka", async () => {
  const sql = connect("postgres://postgres@127.0.0.1:1/nowhere", { max: 1, connect_timeout: 1 });
  const stores = createSnapshotStores((spec) =>
    loadSnapshot(sql, { groupId: GROUP, topic: TOPIC }, spec)
  );
  try {
    const app = createApp({ sql, stores, endOffsets: fixedEndOffsets({ 0: "10" }) });
    const html = await (await app.request("/fragments/freshness")).text();
    assert.match(html, /<p data-lag="unknown">Lag unknown: PostgreSQL has not been read yet.<\/p>/);
  } finally {
    await stores.settled();
    await sql.end({ timeout: 1 });
  }
});

Deno.test("when PostgreSQL fails the page keeps the last good numbers under a banner and recovers by itself", async () => {
  const db = await createTestDatabase();
  let broken = false;
  const stores = createSnapshotStores(
    (spec): Promise<Snapshot> =>
      broken
        ? Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))
        : loadSnapshot(db.sql, { groupId: GROUP, topic: TOPIC }, spec),
    { reuseMs: 0, staleMs: 0 },
  );
  try {
    const records = knownRecords();
    await load(db, records);
    const app = createApp({ sql: db.sql, stores, endOffsets: null });
    const good = await (await app.request("/")).text();
    assert.ok(!good.includes('role="alert" data-problem'));

    broken = true;
    const during = await (await app.request("/")).text();
    assert.match(during, /data-problem="database"/);
    assert.match(during, /PostgreSQL is unreachable \(ECONNREFUSED\)/);
    assert.deepEqual(kpiValues(during), expectedKpis(records));
    const banner = await (await app.request("/fragments/banner")).text();
    assert.match(banner, /Showing the last good data/);
    const summary = await (await app.request("/api/summary")).json();
    assert.equal(summary.stale, true);
    assert.equal(summary.revenue, expectedKpis(records).revenue);

    broken = false;
    const after = await (await app.request("/fragments/banner")).text();
    assert.ok(!after.includes("data-problem"), "the banner is gone once PostgreSQL answers");
  } finally {
    await stores.settled();
    await db.close();
  }
});

Deno.test("when PostgreSQL was never reachable the page still renders with a banner and the API answers 503", async () => {
  const sql = connect("postgres://postgres@127.0.0.1:1/nowhere", { max: 1, connect_timeout: 1 });
  const stores = createSnapshotStores((spec) =>
    loadSnapshot(sql, { groupId: GROUP, topic: TOPIC }, spec)
  );
  try {
    const app = createApp({ sql, stores, endOffsets: null });
    const res = await app.request("/");
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /PostgreSQL is unreachable/);
    assert.match(html, /No data could be read yet/);
    const summary = await app.request("/api/summary");
    assert.equal(summary.status, 503);
    assert.match((await summary.json()).error, /PostgreSQL is unreachable/);
    const breakdown = await app.request("/api/breakdown/category");
    assert.equal(breakdown.status, 503);
    await breakdown.body?.cancel();
  } finally {
    await stores.settled();
    await sql.end({ timeout: 1 });
  }
});

Deno.test("a breakdown PostgreSQL cancels at the statement timeout answers 504 naming the timeout, then answers again", async () => {
  const db = await createTestDatabase();
  const short = connect(db.url, { max: 1, connection: { statement_timeout: 300 } });
  const stores = createSnapshotStores(
    (spec) => loadSnapshot(db.sql, { groupId: GROUP, topic: TOPIC }, spec),
    { reuseMs: 0, staleMs: 0 },
  );
  try {
    const records = knownRecords();
    await load(db, records);
    const app = createApp({ sql: short, stores, endOffsets: null });
    // Another session holds agg_category: the all-time breakdown waits on it past 300 ms.
    const held = await holdTableLock(db, "agg_category", 1_500);
    for (const path of ["/api/breakdown/category", "/api/breakdown/category?format=csv"]) {
      const res = await app.request(path);
      assert.equal(res.status, 504, path);
      const body = await res.json();
      assert.equal(
        body.error,
        "PostgreSQL took longer than the statement timeout to read this breakdown; narrow the range or try again",
      );
      assert.ok(!JSON.stringify(body).includes("agg_category"), "no SQL leaks out");
    }
    await held.released;
    const after = await app.request("/api/breakdown/category");
    assert.equal(after.status, 200);
    const rows = (await after.json()).rows as { label: string; revenue: string }[];
    assert.deepEqual(
      Object.fromEntries(rows.map((r) => [r.label, r.revenue])),
      Object.fromEntries(revenueBy(records, (r) => String(r.category))),
    );
  } finally {
    await stores.settled();
    await short.end({ timeout: 5 });
    await db.close();
  }
});

Deno.test("each fragment renders in a few milliseconds over 5,000 sales", async () => {
  await withDashboard(async ({ app }) => {
    const timings: Record<string, number> = {};
    for (
      const path of [
        "/",
        "/fragments/kpis",
        "/fragments/charts",
        "/fragments/tables",
        "/fragments/freshness",
        "/api/summary",
      ]
    ) {
      await (await app.request(path)).text(); // warm up
      const runs = 10;
      const started = performance.now();
      for (let i = 0; i < runs; i++) await (await app.request(path)).text();
      timings[path] = Math.round((performance.now() - started) / runs * 10) / 10;
    }
    console.log(`mean render ms (snapshot read included): ${JSON.stringify(timings)}`);
    for (const [path, ms] of Object.entries(timings)) assert.ok(ms < 250, `${path} took ${ms} ms`);
  }, { records: [...sampleRecords(5_000, 77), ...xssRecords()] });
});
