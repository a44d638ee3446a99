/// <reference lib="dom" />
import assert from "node:assert/strict";
import { type Browser } from "playwright-core";
import { centsToDecimal } from "../../../lib/core/money.ts";
import { type SaleRecord } from "../../../lib/core/sale.ts";
import {
  freePort,
  largeSales,
  LONG_CARD_NAMES,
  sampleRecords,
  uniqueSuffix,
  waitFor,
} from "../../support/fixtures.ts";
import {
  assertFitsAt,
  assertFitsWidth,
  chartLabels,
  chartTotal,
  chooseRefresh,
  emptyCharts,
  launchChromium,
  legendLabels,
  pageKpis,
  startServer,
  tileTexts,
  triggers,
  watchPage,
} from "../../support/browser.ts";
import { expectedTotals } from "../../support/money.ts";
import {
  createTestDatabase,
  createTestTopic,
  produceAll,
  startTestConsumer,
  testKafka,
} from "../../support/services.ts";

const XSS_NAME = "<script>alert(1)</script>";
const CHARTS = [
  "revenue-by-category",
  "profit-by-category",
  "revenue-by-state",
  "top-cities",
  "card-usage",
  "sales-per-minute",
];

/** Sales by a customer whose first name is a script tag. */
function xssRecords(n: number): SaleRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    sale_id: `browser-xss-${i}`,
    first_name: XSS_NAME,
    last_name: "Tester",
    email: "xss.browser@example.com",
    job_title: "Tester",
    credit_card_company: "Visa",
    credit_card_number: "4111111111111111",
    credit_card_expiration_date: "12/30",
    category: "Books",
    product_name: "Cookbook",
    sale_price: "99.99",
    cost_price: "10.00",
    street: "1 Main St",
    city: "Washington",
    state: "DC",
    zipcode: "20001",
  }));
}

/** The marks the test leaves on the page's window (inlined: page functions run in the browser). */
type Marks = { __sameDocument?: boolean; __cspViolations?: string[] };

async function summary(url: string) {
  const res = await fetch(`${url}/api/summary`);
  assert.equal(res.status, 200);
  return await res.json();
}

Deno.test({
  name:
    "in Chromium the dashboard matches /api/summary, updates live at the chosen interval and keeps to its CSP",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const groupId = `dashboard-browser-${uniqueSuffix()}`;
    const consumer = await startTestConsumer({
      kafka: testKafka("dashboard-browser-consumer"),
      sql: db.sql,
      topic,
      groupId,
      partitions: 3,
    });
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    let browser: Browser | undefined;
    const stored = async () => {
      const [t] = await db.sql`select sales_count::int as n from sales_totals`;
      return t!.n as number;
    };
    try {
      const first = [...sampleRecords(300, 41), ...xssRecords(25)];
      await produceAll(topic, first);
      await waitFor(async () => await stored() === first.length, "the first sales in PostgreSQL");

      server = await startServer({
        ...Deno.env.toObject(),
        DATABASE_URL: db.url,
        SALES_TOPIC: topic,
        CONSUMER_GROUP: groupId,
        HOST: "127.0.0.1",
      }, freePort());
      const base = server.url;

      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      const { consoleErrors, cspViolations, foreign, dialogs } = await watchPage(page, base);

      // First render: KPIs equal the API, every chart drawn (the map from us-atlas), lag known.
      await page.goto(`${base}/`);
      assert.deepEqual(await triggers(page), Array(5).fill("every 5s, refresh-now from:body"));
      const api = await summary(base);
      const want = expectedTotals(first);
      assert.equal(api.sales, first.length);
      assert.equal(api.revenue, centsToDecimal(want.revenue));
      const kpis = await pageKpis(page);
      assert.deepEqual(kpis, {
        sales: String(api.sales),
        revenue: api.revenue,
        cost: api.cost,
        profit: api.profit,
        margin: api.margin,
        aov: api.aov,
        customers: String(api.customers),
        products: String(api.products),
        categories: String(api.categories),
        rejected: String(api.rejected),
        untrusted: String(api.untrusted),
      });
      await waitFor(
        async () =>
          (await Promise.all(CHARTS.map((c) => chartTotal(page, c)))).every((t) => t !== null),
        "every chart drawn",
        10_000,
      );
      assert.equal(await chartTotal(page, "card-usage"), first.length);
      await waitFor(
        async () => await page.getAttribute(".lag", "data-lag") === "0",
        "consumer lag 0 on every partition",
        15_000,
      );
      assert.equal(await page.locator("[data-partition]").count(), 3);
      const roles = await db.sql`
        select distinct usename from pg_stat_activity
        where datname = current_database() and application_name = 'sales-dashboard'`;
      assert.deepEqual(
        roles.map((r) => r.usename),
        ["sales_reader"],
        "reads as the read-only role",
      );

      // The script-tag name is text in the customers table, and no script ran.
      const names = await page.locator("[data-customer-name]").allTextContents();
      assert.ok(names.includes(`${XSS_NAME} Tester`), `names: ${names.join(" | ")}`);

      // Choose 1 s: the URL and every hx-trigger follow, and new sales arrive without a reload.
      await page.evaluate(() => {
        (globalThis as unknown as Marks).__sameDocument = true;
      });
      await chooseRefresh(page, "1");
      const more = sampleRecords(120, 42);
      const updateStarted = Date.now();
      await produceAll(topic, more);
      const total = first.length + more.length;
      await waitFor(
        async () => (await pageKpis(page)).sales === String(total),
        "the sales KPI to update in the page",
        10_000,
      );
      await waitFor(
        async () => await chartTotal(page, "card-usage") === total,
        "the card usage chart to update",
        5_000,
      );
      const updateMs = Date.now() - updateStarted;
      const liveCharts = await page.evaluate(() =>
        Object.keys((globalThis as unknown as { Chart: { instances: object } }).Chart.instances)
          .length
      );
      assert.equal(liveCharts, CHARTS.length, "old charts are destroyed, not leaked");
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as Marks).__sameDocument),
        true,
        "no reload",
      );
      assert.deepEqual(await pageKpis(page), {
        ...(await pageKpis(page)),
        revenue: (await summary(base)).revenue,
      });

      // Other intervals: 2 s, then off; Refresh now still fetches every fragment.
      await chooseRefresh(page, "2");
      await chooseRefresh(page, "off");
      const refreshed = page.waitForResponse((r) => r.url().includes("/fragments/kpis"), {
        timeout: 5_000,
      });
      await page.click("#refresh-now");
      assert.equal((await refreshed).status(), 200);
      await page.reload();
      assert.equal(
        await page.inputValue("select[name=refresh]"),
        "off",
        "the URL keeps the choice",
      );

      // Screenshot for the README (wide layout, charts drawn).
      await page.goto(`${base}/?refresh=5`);
      await waitFor(
        async () =>
          (await Promise.all(CHARTS.map((c) => chartTotal(page, c)))).every((t) => t !== null),
        "every chart drawn again",
        10_000,
      );
      await page.waitForTimeout(1_200); // let the first-draw animations finish
      // UPDATE_SCREENSHOTS=1 refreshes the README's pictures; otherwise they go to a temp folder.
      const shots = Deno.env.get("UPDATE_SCREENSHOTS")
        ? new URL("../../../docs/", import.meta.url).pathname
        : `${await Deno.makeTempDir({ prefix: "dashboard-shots-" })}/`;
      await Deno.mkdir(shots, { recursive: true });
      await page.screenshot({ path: `${shots}dashboard.png`, fullPage: true });

      // Phone width: one column, nothing wider than the screen.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      await assertFitsWidth(page, 390);
      await page.screenshot({ path: `${shots}dashboard-phone.png` });

      assert.deepEqual(consoleErrors, []);
      assert.deepEqual(cspViolations, []);
      assert.deepEqual(
        await page.evaluate(() => (globalThis as unknown as Marks).__cspViolations),
        [],
      );
      assert.deepEqual(foreign, []);
      assert.deepEqual(dialogs, []);
      console.log(`KPIs and chart updated ${updateMs} ms after producing ${more.length} sales`);

      // JavaScript off: the first render still shows the numbers.
      const noJs = await browser.newContext({ javaScriptEnabled: false });
      const plain = await noJs.newPage();
      await plain.goto(`${base}/`);
      assert.equal(
        await plain.textContent('[data-kpi="sales"] .kpi-value'),
        total.toLocaleString("en-US"),
      );
      await noJs.close();
    } finally {
      await browser?.close();
      const status = server ? await server.stop() : undefined;
      await consumer.stop();
      await db.close();
      if (status) assert.equal(status.code, 0, `server output:\n${server!.output()}`);
    }
  },
});

Deno.test({
  name:
    "in Chromium an empty dashboard says so in each chart, and the largest totals fit their tiles with whole legends, at 1400 and 390 px",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await createTestDatabase();
    const topic = await createTestTopic(1);
    const groupId = `dashboard-sizes-${uniqueSuffix()}`;
    const consumer = await startTestConsumer({
      kafka: testKafka("dashboard-sizes-consumer"),
      sql: db.sql,
      topic,
      groupId,
      partitions: 1,
    });
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    let browser: Browser | undefined;
    const shots = `${await Deno.makeTempDir({ prefix: "dashboard-sizes-" })}/`;
    try {
      server = await startServer({
        ...Deno.env.toObject(),
        DATABASE_URL: db.url,
        SALES_TOPIC: topic,
        CONSUMER_GROUP: groupId,
        HOST: "127.0.0.1",
      }, freePort());
      const base = server.url;
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const { consoleErrors, cspViolations } = await watchPage(page, base);

      // No sales yet: each chart says so in its place; no axes, no legend of -$1..$1.
      await page.goto(`${base}/?refresh=off`);
      for (const width of [1400, 390]) {
        await assertFitsAt(page, width);
        assert.deepEqual(await emptyCharts(page), {
          "revenue-by-category": "No sales yet",
          "profit-by-category": "No sales yet",
          "revenue-by-state": "No sales yet",
          "top-cities": "No sales yet",
          "card-usage": "No sales yet",
          "sales-per-minute": "No sales in this period",
        });
        assert.equal(
          await page.evaluate(() =>
            Object.keys((globalThis as unknown as { Chart: { instances: object } }).Chart.instances)
              .length
          ),
          0,
          "no chart is drawn without data",
        );
        await page.screenshot({ path: `${shots}empty-${width}.png`, fullPage: true });
      }

      // The largest totals the tiles are made for, and a card company with a long name.
      const sales = largeSales(`sizes-${uniqueSuffix()}`);
      await produceAll(topic, sales, 1);
      await waitFor(async () => {
        const [t] = await db.sql`select sales_count::int as n from sales_totals`;
        return t?.n === sales.length;
      }, "the large sales in PostgreSQL");
      await page.setViewportSize({ width: 1400, height: 1000 });
      await page.goto(`${base}/?refresh=off`);
      await waitFor(
        async () => (await legendLabels(page, "card-usage")).length === LONG_CARD_NAMES.length,
        "the card legend",
        10_000,
      );
      const tiles = await tileTexts(page);
      assert.deepEqual(tiles.revenue, {
        shown: "$1.0B",
        title: "$999,999,999.99",
        value: "999999999.99",
      });
      assert.deepEqual(tiles.profit, {
        shown: "$1.0B",
        title: "$999,999,999.98",
        value: "999999999.98",
      });
      assert.deepEqual(tiles.aov, {
        shown: "$166.7M",
        title: "$166,666,666.67",
        value: "166666666.67",
      });
      assert.deepEqual(tiles.cost, { shown: "$0.01", title: null, value: "0.01" });
      assert.deepEqual(await emptyCharts(page), {}, "every chart has data now");
      for (const width of [1400, 390]) {
        await assertFitsAt(page, width);
        for (const chart of ["card-usage", "revenue-by-category"]) {
          const legend = await legendLabels(page, chart);
          assert.deepEqual(legend.map((l) => l.text), await chartLabels(page, chart), chart);
          assert.deepEqual(legend.filter((l) => !l.whole), [], `${chart} at ${width} px`);
        }
        assert.ok(
          (await legendLabels(page, "card-usage")).some((l) =>
            l.text === "Diners Club / Carte Blanche"
          ),
        );
        await page.screenshot({ path: `${shots}large-${width}.png`, fullPage: true });
      }
      assert.deepEqual(consoleErrors, []);
      assert.deepEqual(cspViolations, []);
      console.log(`screenshots in ${shots}`);
    } finally {
      await browser?.close();
      const status = server ? await server.stop() : undefined;
      await consumer.stop();
      await db.close();
      if (status) assert.equal(status.code, 0, `server output:\n${server!.output()}`);
    }
  },
});

Deno.test("main.ts --help prints the usage and exits 0", async () => {
  const { code, stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../../main.ts", import.meta.url).pathname, "--help"],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(code, 0);
  const text = new TextDecoder().decode(stdout);
  assert.match(text, /^Usage: deno task serve/);
  assert.match(text, /DASHBOARD_TOKEN/);
});
