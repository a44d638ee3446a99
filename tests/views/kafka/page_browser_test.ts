/// <reference lib="dom" />
import assert from "node:assert/strict";
import { type Browser, type Page } from "playwright-core";
import { centsToDecimal } from "../../../lib/core/money.ts";
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
import { startConsumerAndReports, waitForReports } from "../../support/reports_process.ts";
import { createTestDatabase, createTestTopic, produceAll } from "../../support/services.ts";

const CHARTS = [
  "revenue-by-category",
  "profit-by-category",
  "revenue-by-state",
  "top-cities",
  "card-usage",
  "card-amount",
];
const PANELS = 5;

/** Whether every chart of the page has been drawn. */
async function allDrawn(page: Page): Promise<boolean> {
  return (await Promise.all(CHARTS.map((c) => chartTotal(page, c)))).every((t) => t !== null);
}

/** The marks the test leaves on the page's window (inlined: page functions run in the browser). */
type Marks = { __sameDocument?: boolean; __cspViolations?: string[] };

/** total_sales_summary's row as GET /api/reports returns it. */
async function reportSummary(url: string) {
  const res = await fetch(`${url}/api/reports`);
  assert.equal(res.status, 200);
  const body = await res.json();
  return body.reports.total_sales_summary[0] as {
    sales_count: number;
    revenue: string;
    cost: string;
    profit: string;
  };
}

Deno.test({
  name:
    "in Chromium /kafka matches /api/reports, is reached from /, updates live at 1 s and on Refresh now, and keeps to its CSP",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const prefix = `kpb_${uniqueSuffix()}_`;
    const { pgGroup: groupId, consumer, reports } = await startConsumerAndReports(
      db.sql,
      topic,
      prefix,
    );
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    let browser: Browser | undefined;
    const settled = async (n: number) => {
      await waitForReports(prefix, { sales: n });
      await waitFor(async () => {
        const [t] = await db.sql`select sales_count::int as n from sales_totals`;
        return t!.n === n;
      }, `${n} sales in PostgreSQL`);
    };
    try {
      const first = sampleRecords(300, 51);
      await produceAll(topic, first);
      await settled(first.length);

      server = await startServer({
        ...Deno.env.toObject(),
        DATABASE_URL: db.url,
        SALES_TOPIC: topic,
        CONSUMER_GROUP: groupId,
        REPORT_TOPIC_PREFIX: prefix,
        HOST: "127.0.0.1",
      }, freePort());
      const base = server.url;

      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      const { consoleErrors, cspViolations, foreign } = await watchPage(page, base);

      // From the main page, the sidebar link leads to /kafka.
      await page.goto(`${base}/`);
      await page.click('nav.pages a[href^="/kafka"]');
      await page.waitForURL(`${base}/kafka?refresh=5`);
      assert.deepEqual(await triggers(page), Array(PANELS).fill("every 5s, refresh-now from:body"));

      // The tiles equal total_sales_summary from /api/reports, and the produced sales in cents.
      const want = expectedTotals(first);
      await waitFor(
        async () => (await pageKpis(page)).sales === String(first.length),
        "the report summary on the page",
        15_000,
      );
      const summary = await reportSummary(base);
      assert.equal(summary.sales_count, first.length);
      assert.equal(summary.revenue, centsToDecimal(want.revenue));
      const kpis = await pageKpis(page);
      assert.deepEqual(
        [kpis.sales, kpis.revenue, kpis.cost, kpis.profit],
        [String(summary.sales_count), summary.revenue, summary.cost, summary.profit],
      );
      assert.equal(kpis["postgres-sales"], String(first.length));
      await waitFor(() => allDrawn(page), "every chart drawn", 10_000);
      assert.equal(await chartTotal(page, "card-usage"), first.length);
      const amount = await chartTotal(page, "card-amount");
      assert.equal(amount!.toFixed(2), centsToDecimal(want.revenue));

      // Choose 1 s: the URL, the links and every hx-trigger follow; new sales arrive without a reload.
      await page.evaluate(() => {
        (globalThis as unknown as Marks).__sameDocument = true;
      });
      await chooseRefresh(page, "1");
      assert.deepEqual(
        await page.$$eval("nav.pages a", (links) => links.map((a) => a.getAttribute("href"))),
        ["/?refresh=1", "/kafka?refresh=1"],
      );
      const more = sampleRecords(120, 52);
      const updateStarted = Date.now();
      await produceAll(topic, more);
      const total = first.length + more.length;
      await waitFor(
        async () => (await pageKpis(page)).sales === String(total),
        "the sales tile to update in the page",
        10_000,
      );
      await waitFor(
        async () => await chartTotal(page, "card-usage") === total,
        "the card usage chart to update",
        5_000,
      );
      const updateMs = Date.now() - updateStarted;
      await waitFor(
        async () => (await pageKpis(page))["postgres-sales"] === String(total),
        "the PostgreSQL count to update",
        10_000,
      );
      assert.equal(
        await page.evaluate(() =>
          Object.keys((globalThis as unknown as { Chart: { instances: object } }).Chart.instances)
            .length
        ),
        CHARTS.length,
        "old charts are destroyed, not leaked",
      );
      assert.equal(
        await page.evaluate(() => (globalThis as unknown as Marks).__sameDocument),
        true,
        "no reload",
      );

      // Polling off: new sales show only after Refresh now.
      await chooseRefresh(page, "off");
      const late = sampleRecords(30, 53);
      await produceAll(topic, late);
      const after = total + late.length;
      await settled(after);
      await waitFor(
        async () => (await reportSummary(base)).sales_count === after,
        "the server to read the late sales",
        10_000,
      );
      await page.waitForTimeout(1_500);
      assert.equal((await pageKpis(page)).sales, String(total), "nothing polls while off");
      const refreshed = page.waitForResponse((r) => r.url().includes("/fragments/kafka-kpis"), {
        timeout: 5_000,
      });
      await page.click("#refresh-now");
      assert.equal((await refreshed).status(), 200);
      await waitFor(
        async () => (await pageKpis(page)).sales === String(after),
        "Refresh now to show the late sales",
        5_000,
      );
      await page.reload();
      assert.equal(await page.inputValue("select[name=refresh]"), "off", "the URL keeps it");

      // Screenshot for the README (wide layout, charts drawn).
      await page.goto(`${base}/kafka?refresh=5`);
      await waitFor(() => allDrawn(page), "every chart drawn again", 10_000);
      await page.waitForTimeout(1_200); // let the first-draw animations finish
      // UPDATE_SCREENSHOTS=1 refreshes the README's picture; otherwise it goes to a temp folder.
      const shots = Deno.env.get("UPDATE_SCREENSHOTS")
        ? new URL("../../../docs/", import.meta.url).pathname
        : `${await Deno.makeTempDir({ prefix: "kafka-page-shots-" })}/`;
      await Deno.mkdir(shots, { recursive: true });
      await page.screenshot({ path: `${shots}kafka.png`, fullPage: true });

      // Phone width: one column, nothing wider than the screen.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(300);
      await assertFitsWidth(page, 390);

      // And back to the main page.
      await page.click('nav.pages a[href^="/?"]');
      await page.waitForURL(`${base}/?refresh=5`);
      assert.equal((await pageKpis(page)).sales, String(after));

      assert.deepEqual(consoleErrors, []);
      assert.deepEqual(cspViolations, []);
      assert.deepEqual(
        await page.evaluate(() => (globalThis as unknown as Marks).__cspViolations),
        [],
      );
      assert.deepEqual(foreign, []);
      console.log(`/kafka tiles and chart updated ${updateMs} ms after producing ${more.length}`);
    } finally {
      await browser?.close();
      const status = server ? await server.stop() : undefined;
      await reports.stop();
      await consumer.stop();
      await db.close();
      if (status) assert.equal(status.code, 0, `server output:\n${server!.output()}`);
    }
  },
});

Deno.test({
  name:
    "in Chromium /kafka says so in each chart while the reports are empty, and the largest totals fit their tiles with whole legends, at 1400 and 390 px",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const prefix = `kps_${uniqueSuffix()}_`;
    const { pgGroup: groupId, consumer, reports } = await startConsumerAndReports(
      db.sql,
      topic,
      prefix,
    );
    let server: Awaited<ReturnType<typeof startServer>> | undefined;
    let browser: Browser | undefined;
    const shots = `${await Deno.makeTempDir({ prefix: "kafka-page-sizes-" })}/`;
    try {
      server = await startServer({
        ...Deno.env.toObject(),
        DATABASE_URL: db.url,
        SALES_TOPIC: topic,
        CONSUMER_GROUP: groupId,
        REPORT_TOPIC_PREFIX: prefix,
        HOST: "127.0.0.1",
      }, freePort());
      const base = server.url;
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const { consoleErrors, cspViolations } = await watchPage(page, base);

      // The reports process runs, nothing was sold: each chart says so in its place.
      await waitFor(
        async () => {
          await page.goto(`${base}/kafka?refresh=off`);
          return await page.locator('[data-notice="empty"]').count() === 1;
        },
        "the note that the report topics are empty",
        30_000,
      );
      for (const width of [1400, 390]) {
        await assertFitsAt(page, width);
        assert.deepEqual(
          await emptyCharts(page),
          Object.fromEntries(CHARTS.map((c) => [c, "No sales yet"])),
        );
        await page.screenshot({ path: `${shots}empty-${width}.png`, fullPage: true });
      }

      // The largest totals the tiles are made for, and a card company with a long name.
      const sales = largeSales(`kafka-sizes-${uniqueSuffix()}`);
      await produceAll(topic, sales);
      await waitForReports(prefix, { sales: sales.length });
      await waitFor(
        async () => {
          await page.setViewportSize({ width: 1400, height: 1000 });
          await page.goto(`${base}/kafka?refresh=off`);
          return (await pageKpis(page)).sales === String(sales.length);
        },
        "the large sales on /kafka",
        15_000,
      );
      await waitFor(
        async () => (await legendLabels(page, "card-amount")).length === LONG_CARD_NAMES.length,
        "the card legends",
        10_000,
      );
      const tiles = await tileTexts(page);
      assert.deepEqual(tiles.revenue, {
        shown: "$1.0B",
        title: "$999,999,999.99",
        value: "999999999.99",
      });
      assert.deepEqual(tiles.aov, {
        shown: "$166.7M",
        title: "$166,666,666.67",
        value: "166666666.67",
      });
      assert.deepEqual(await emptyCharts(page), {}, "every chart has data now");
      for (const width of [1400, 390]) {
        await assertFitsAt(page, width);
        for (const chart of ["card-usage", "card-amount", "revenue-by-category"]) {
          const legend = await legendLabels(page, chart);
          assert.deepEqual(legend.map((l) => l.text), await chartLabels(page, chart), chart);
          assert.deepEqual(legend.filter((l) => !l.whole), [], `${chart} at ${width} px`);
          if (chart !== "revenue-by-category") {
            assert.ok(legend.some((l) => l.text === "Diners Club / Carte Blanche"), chart);
          }
        }
        await page.screenshot({ path: `${shots}large-${width}.png`, fullPage: true });
      }
      assert.deepEqual(consoleErrors, []);
      assert.deepEqual(cspViolations, []);
      console.log(`screenshots in ${shots}`);
    } finally {
      await browser?.close();
      const status = server ? await server.stop() : undefined;
      await reports.stop();
      await consumer.stop();
      await db.close();
      if (status) assert.equal(status.code, 0, `server output:\n${server!.output()}`);
    }
  },
});
