import assert from "node:assert/strict";
import { Kafka, logLevel } from "kafkajs";
import { createApp } from "../../../routes/app.ts";
import { CSP } from "../../../routes/csp.ts";
import { STATE_FIPS } from "../../../lib/core/us_states.ts";
import type { DashboardDeps } from "../../../routes/deps.ts";
import { createDashboardKafka } from "../../../lib/infra/kafka.ts";
import { kafkaEndOffsets } from "../../../lib/consume/lag.ts";
import { kafkaReports, type ReportsReader } from "../../../lib/reports/retrying_reader.ts";
import { createSnapshotStores, loadSnapshot } from "../../../lib/store/snapshot.ts";
import { maskEmail } from "../../../lib/core/redact.ts";
import { ensureReportTopics, REPORTS } from "../../../lib/reports/topics.ts";
import { centsToDecimal } from "../../../lib/core/money.ts";
import { type SaleRecord } from "../../../lib/core/sale.ts";
import { chartData, kpiValues } from "../../support/html.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../../support/fixtures.ts";
import { cents, divide, expectedKpis as kpisOf, revenueBy } from "../../support/money.ts";
import { startConsumerAndReports, waitForReports } from "../../support/reports_process.ts";
import {
  config,
  createTestDatabase,
  createTestTopic,
  produceAll,
  type TestDatabase,
  testKafka,
} from "../../support/services.ts";

const KAFKA_TEST = { sanitizeOps: false, sanitizeResources: false };
const BUYER = "kafka.page.buyer@example.com";
const BUYS = 60;
const PAGE_FRAGMENTS = [
  "kafka-banner",
  "kafka-kpis",
  "kafka-charts",
  "kafka-tables",
  "kafka-topics",
];

/** BUYS sales by one customer, so the top customer is known. */
function buyerRecords(): SaleRecord[] {
  return Array.from({ length: BUYS }, (_, i) => ({
    sale_id: `kafka-page-buyer-${i}`,
    first_name: "Page",
    last_name: "Buyer",
    email: BUYER,
    job_title: "Tester",
    credit_card_company: "Visa",
    credit_card_number: "4111111111111111",
    credit_card_expiration_date: "12/30",
    category: "Books",
    product_name: "Cookbook",
    sale_price: `${40 + i}.15`,
    cost_price: "12.30",
    street: "1 Main St",
    city: "Washington",
    state: "DC",
    zipcode: "20001",
  }));
}

/** The tiles the page must show, computed here from the records in cents. */
function expectedKpis(records: SaleRecord[]) {
  const { products, categories, ...tiles } = kpisOf(records);
  return {
    ...tiles,
    rejected: "0",
    "postgres-sales": tiles.sales,
    "postgres-products": products,
    "postgres-categories": categories,
  };
}

/** The app over a test database and a reader of the report topics; everything closed afterwards. */
async function withApp(
  db: TestDatabase,
  reports: ReportsReader,
  run: (app: ReturnType<typeof createApp>) => Promise<void>,
  options: { topic?: string; groupId?: string; token?: string } = {},
) {
  const { topic, groupId = "none" } = options;
  const stores = createSnapshotStores(
    (spec) => loadSnapshot(db.sql, { groupId, topic: topic ?? "none" }, spec),
    { reuseMs: 0, staleMs: 0 },
  );
  const endOffsets = topic
    ? kafkaEndOffsets(createDashboardKafka(config.kafkaBrokers), topic)
    : null;
  const deps: DashboardDeps = { sql: db.sql, stores, endOffsets, reports, token: options.token };
  try {
    await run(createApp(deps));
  } finally {
    await endOffsets?.close();
    await stores.settled();
  }
}

Deno.test({
  name: "/kafka shows the report topics the real reports process filled, exact to the cent",
  ...KAFKA_TEST,
  async fn(t) {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const prefix = `kp_${uniqueSuffix()}_`;
    const { pgGroup: groupId, consumer, reports: running } = await startConsumerAndReports(
      db.sql,
      topic,
      prefix,
    );
    let reader: ReportsReader | undefined;
    const stored = async () => {
      const [row] = await db.sql`select sales_count::int as n from sales_totals`;
      return row!.n as number;
    };
    const settle = async (n: number) => {
      await waitForReports(prefix, { sales: n });
      await waitFor(async () => await stored() === n, "sales in PostgreSQL");
      await reader?.caughtUp();
    };
    try {
      const records = [...sampleRecords(300, 61), ...buyerRecords()];
      await produceAll(topic, records);
      await settle(records.length);
      reader = kafkaReports(testKafka("kafka-page-reader"), prefix);
      await reader.caughtUp();

      await withApp(db, reader, async (app) => {
        await t.step(
          "the summary tiles equal the produced sales in cents, PostgreSQL's counts beside them",
          async () => {
            const res = await app.request("/kafka");
            assert.equal(res.status, 200);
            assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
            const html = await res.text();
            assert.ok(html.startsWith("<!doctype html>"));
            assert.deepEqual(kpiValues(html), expectedKpis(records));
            assert.ok(!html.includes("data-notice="), "no note when all is well");
            assert.ok(!/<script(?![^>]*\bsrc=)[^>]*>/.test(html), "no inline script");
            assert.ok(!html.includes("style="), "no inline style");
            for (const report of REPORTS) {
              assert.match(html, new RegExp(`data-topic="${prefix}${report}" data-keys="[1-9]`));
            }
          },
        );

        await t.step(
          "the charts carry exact per-category, per-state, per-city and per-card values",
          async () => {
            const html = await (await app.request("/fragments/kafka-charts")).text();
            const category = chartData(html, "revenue-by-category");
            assert.equal(category.kind, "doughnut");
            assert.deepEqual(
              new Map(category.labels.map((l, i) => [l, category.values[i]])),
              revenueBy(records, (r) => String(r.category)),
            );
            const profit = chartData(html, "profit-by-category");
            profit.labels.forEach((label, i) => {
              let p = 0n;
              for (const r of records) {
                if (r.category === label) p += cents(r.sale_price) - cents(r.cost_price);
              }
              assert.equal(profit.values[i], centsToDecimal(p), label);
            });

            const map = chartData(html, "revenue-by-state");
            assert.equal(map.kind, "choropleth");
            const byState = revenueBy(records, (r) => String(r.state));
            for (const [code, fips] of Object.entries(STATE_FIPS)) {
              assert.equal(map.values[map.ids!.indexOf(fips)], byState.get(code) ?? "0.00", code);
            }

            const cities = chartData(html, "top-cities");
            const byCity = [...revenueBy(records, (r) => `${r.city}, ${r.state}`)]
              .sort((a, b) => Number(cents(b[1]) - cents(a[1])) || (a[0] < b[0] ? -1 : 1));
            assert.deepEqual(cities.labels, byCity.slice(0, 10).map(([k]) => k));
            assert.deepEqual(cities.values, byCity.slice(0, 10).map(([, v]) => v));

            const usage = chartData(html, "card-usage");
            const counts = new Map<string, string>();
            for (const r of records) {
              const k = String(r.credit_card_company);
              counts.set(k, String(Number(counts.get(k) ?? 0) + 1));
            }
            assert.deepEqual(new Map(usage.labels.map((l, i) => [l, usage.values[i]])), counts);
            const amount = chartData(html, "card-amount");
            assert.deepEqual(
              new Map(amount.labels.map((l, i) => [l, amount.values[i]])),
              revenueBy(records, (r) => String(r.credit_card_company)),
            );
          },
        );

        await t.step(
          "customers are shown by masked email only, the most purchases first",
          async () => {
            const html = await (await app.request("/fragments/kafka-tables")).text();
            const rows = [...html.matchAll(
              /<td data-customer=""[^>]*>([^<]*)<\/td><td class="num" data-purchases="(\d+)"[^>]*>/g,
            )].map((m) => [m[1], Number(m[2])] as const);
            assert.equal(rows.length, 10);
            assert.deepEqual(rows[0], [maskEmail(BUYER), BUYS]);
            const purchases = rows.map(([, n]) => n);
            assert.deepEqual(purchases, [...purchases].sort((a, b) => b - a));
            const spent = buyerRecords().reduce((n, r) => n + cents(r.sale_price), 0n);
            assert.match(html, new RegExp(`data-total-spent="${centsToDecimal(spent)}"`));
            assert.match(
              html,
              new RegExp(`data-average="${centsToDecimal(divide(spent, BigInt(BUYS)))}"`),
            );
            const everything = [
              await (await app.request("/kafka")).text(),
              await (await app.request("/api/reports")).text(),
            ].join("\n");
            for (const r of records) {
              assert.ok(!everything.includes(String(r.email)), `raw email ${r.email} is shown`);
              assert.ok(!everything.includes(String(r.credit_card_number)), "a card number");
            }
          },
        );

        await t.step("GET /api/reports returns every report topic's current rows", async () => {
          const res = await app.request("/api/reports");
          assert.equal(res.status, 200);
          const body = await res.json();
          assert.equal(body.prefix, prefix);
          assert.equal(body.caughtUp, true);
          assert.deepEqual(Object.keys(body.reports), [...REPORTS]);
          const want = expectedKpis(records);
          const [summary] = body.reports.total_sales_summary;
          assert.deepEqual(
            [summary.sales_count, summary.revenue, summary.cost, summary.profit],
            [records.length, want.revenue, want.cost, want.profit],
          );
          assert.equal(body.reports.customer_insights.length, Number(want.customers));
          assert.equal(body.topics.sales_by_city, `${prefix}sales_by_city`);
        });

        await t.step(
          "each /kafka fragment renders alone as the same panel the page holds",
          async () => {
            const page = await (await app.request("/kafka?refresh=2")).text();
            for (const name of PAGE_FRAGMENTS) {
              const res = await app.request(`/fragments/${name}?refresh=2`);
              assert.equal(res.status, 200, name);
              const html = await res.text();
              assert.ok(
                html.startsWith(`<div id="panel-${name}"`),
                `${name} starts with its panel`,
              );
              assert.ok(page.includes(`<div id="panel-${name}"`), `the page holds ${name}`);
              assert.match(html, /hx-trigger="every 2s, refresh-now from:body"/, name);
              assert.match(html, new RegExp(`hx-get="/fragments/${name}"`));
            }
            assert.match(page, /<option value="2" selected>/);
            assert.match(page, /<form class="controls" method="get" action="\/kafka"/);
            const off = await (await app.request("/fragments/kafka-kpis?refresh=off")).text();
            assert.match(off, /hx-trigger="refresh-now from:body"/);
            assert.deepEqual(kpiValues(off), kpiValues(page));
            assert.equal((await app.request("/fragments/kafka-nope")).status, 404);
          },
        );

        await t.step(
          "the main page links to /kafka and /kafka links back, keeping the interval",
          async () => {
            const main = await (await app.request("/?refresh=10")).text();
            assert.match(main, /<a href="\/kafka\?refresh=10" data-keep-refresh="true"/);
            const kafkaPage = await (await app.request("/kafka?refresh=10")).text();
            assert.match(kafkaPage, /<a href="\/\?refresh=10" data-keep-refresh="true"/);
            assert.match(kafkaPage, /aria-current="page">Kafka reports</);
          },
        );

        await t.step(
          "every /kafka route carries the strict CSP and the secure headers",
          async () => {
            for (const path of ["/kafka", "/fragments/kafka-charts", "/api/reports"]) {
              const res = await app.request(path);
              await res.body?.cancel();
              assert.equal(res.headers.get("content-security-policy"), CSP, path);
              assert.equal(res.headers.get("x-frame-options"), "DENY", path);
              assert.equal(res.headers.get("cache-control"), "no-store", path);
            }
          },
        );

        await t.step(
          "new sales reach the page on the next request, without restarting anything",
          async () => {
            const more = sampleRecords(80, 62);
            await produceAll(topic, more);
            const all = [...records, ...more];
            await settle(all.length);
            const html = await (await app.request("/fragments/kafka-kpis")).text();
            assert.deepEqual(kpiValues(html), expectedKpis(all));
          },
        );
      }, { topic, groupId });
    } finally {
      await reader?.close();
      await running.stop();
      await consumer.stop();
      await db.close();
    }
  },
});

Deno.test({
  name: "with DASHBOARD_TOKEN set /kafka, its fragments and /api/reports answer 401 without it",
  ...KAFKA_TEST,
  async fn() {
    const token = "kafka-page-token";
    const db = await createTestDatabase();
    const prefix = `kp_${uniqueSuffix()}_`;
    await ensureReportTopics(testKafka(), prefix);
    const reader = kafkaReports(testKafka("kafka-page-reader"), prefix);
    try {
      await withApp(db, reader, async (app) => {
        for (const path of ["/kafka", "/fragments/kafka-kpis", "/api/reports"]) {
          const res = await app.request(path);
          assert.equal(res.status, 401, path);
          assert.equal(res.headers.get("content-security-policy"), CSP, path);
          await res.body?.cancel();
          const wrong = await app.request(path, { headers: { authorization: "Bearer nope" } });
          assert.equal(wrong.status, 401, path);
          await wrong.body?.cancel();
          const ok = await app.request(path, { headers: { authorization: `Bearer ${token}` } });
          assert.equal(ok.status, 200, `${path} with the token`);
          await ok.body?.cancel();
        }
      }, { token });
    } finally {
      await reader.close();
      await db.close();
    }
  },
});

Deno.test({
  name: "/kafka says there is no report data yet while the report topics are empty",
  ...KAFKA_TEST,
  async fn() {
    const db = await createTestDatabase();
    const prefix = `kp_${uniqueSuffix()}_`;
    await ensureReportTopics(testKafka(), prefix);
    const reader = kafkaReports(testKafka("kafka-page-reader"), prefix);
    try {
      await reader.caughtUp();
      await withApp(db, reader, async (app) => {
        const res = await app.request("/kafka");
        assert.equal(res.status, 200);
        const html = await res.text();
        assert.match(html, /data-notice="empty"/);
        assert.match(html, /No report data yet: the report topics are empty/);
        assert.match(html, new RegExp(`REPORT_TOPIC_PREFIX=${prefix}`));
        assert.deepEqual(kpiValues(html), {
          "postgres-sales": "0",
          "postgres-products": "0",
          "postgres-categories": "0",
        });
        const api = await (await app.request("/api/reports")).json();
        assert.deepEqual(api.reports.total_sales_summary, []);
      });
    } finally {
      await reader.close();
      await db.close();
    }
  },
});

Deno.test({
  name: "/kafka renders a clear note when Kafka is unreachable, and /api/reports answers 503",
  ...KAFKA_TEST,
  async fn() {
    const db = await createTestDatabase();
    const kafka = new Kafka({
      clientId: "kafka-page-unreachable",
      brokers: ["127.0.0.1:1"],
      retry: { retries: 0 },
      connectionTimeout: 300,
      logLevel: logLevel.NOTHING,
    });
    const lines: string[] = [];
    const reader = kafkaReports(kafka, "kp_unreachable_", {
      waitMs: 1_000,
      retryMs: 0,
      log: (line) => lines.push(line),
    });
    try {
      await withApp(db, reader, async (app) => {
        for (const path of ["/kafka", "/fragments/kafka-banner"]) {
          const started = performance.now();
          const res = await app.request(path);
          assert.equal(res.status, 200, path);
          const html = await res.text();
          assert.match(html, /data-notice="kafka"/, path);
          assert.match(html, /No report data yet: Kafka is unreachable/, path);
          assert.ok(performance.now() - started < 3_000, `${path} does not wait on Kafka long`);
        }
        const api = await app.request("/api/reports");
        assert.equal(api.status, 503);
        assert.match((await api.json()).error, /Kafka is unreachable/);
      });
      assert.equal(lines.filter((l) => l.startsWith("Report topics unavailable")).length, 1);
    } finally {
      await reader.close();
      await db.close();
    }
  },
});
