/// <reference lib="dom" />
/**
 * In Chromium: the time range picker and drill-down by clicking the map, a category bar and a
 * card slice; chips remove filters; every tile equals the API for the same selection; the same
 * drill-down works with JavaScript off through plain links.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { validate } from "../../../lib/core/decode.ts";
import type { SaleRecord } from "../../../lib/core/sale.ts";
import { type SourcedSale, writeBatch } from "../../../lib/store/write_batch.ts";
import { freePort, sampleRecords, waitFor } from "../../support/fixtures.ts";
import { launchChromium, pageKpis, startServer, watchPage } from "../../support/browser.ts";
import { config, createTestDatabase, type TestDatabase } from "../../support/services.ts";

const GROUP = "drill-browser-group";
const TOPIC = "drill-browser-topic";

/** Sales from 3 minutes to 3 days old, over two partitions, written as the consumer writes them. */
async function load(db: TestDatabase, records: SaleRecord[]) {
  const now = Date.now();
  const ages = [3, 20, 45, 90, 600, 3000];
  const parts: SourcedSale[][] = [[], []];
  records.forEach((record, i) => {
    const checked = validate(record);
    if (!checked.ok) throw new Error(checked.message);
    const part = parts[i % 2]!;
    const soldAt = new Date(now - ages[i % ages.length]! * 60_000);
    part.push({ sale: checked.sale, offset: String(part.length), soldAt });
  });
  for (const [partition, sales] of parts.entries()) {
    await writeBatch(db.sql, {
      groupId: GROUP,
      topic: TOPIC,
      partition,
      expectedOffset: null,
      nextOffset: String(sales.length),
      sales,
      rejected: 0,
    });
  }
}

/** The page's tiles without the rejected and untrusted-timestamp counters (the API's KPI numbers as strings). */
async function tiles(page: Page) {
  const { rejected: _, untrusted: __, ...rest } = await pageKpis(page);
  return rest;
}

/** The API's numbers for the selection of the page's URL. */
async function apiFor(base: string, page: Page) {
  const query = new URL(page.url()).search.replace(/^\?/, "");
  const api = await (await fetch(`${base}/api/summary?${query.replace(/refresh=[^&]*&?/, "")}`))
    .json();
  return {
    sales: String(api.sales),
    revenue: api.revenue,
    cost: api.cost,
    profit: api.profit,
    margin: api.margin,
    aov: api.aov,
    customers: String(api.customers),
    products: String(api.products),
    categories: String(api.categories),
  };
}

/** Where on the page a chart element sits: a state of the map, or a bar or slice by label. */
function pointOf(page: Page, chart: string, label: string) {
  return page.evaluate(([chart, label]) => {
    const canvas = document.querySelector(`canvas[data-chart="${chart}"]`)!;
    const g = globalThis as unknown as {
      Chart: {
        getChart(c: Element): {
          data: { labels: string[] };
          getDatasetMeta(i: number): { data: { getCenterPoint(): { x: number; y: number } }[] };
        };
      };
    };
    const instance = g.Chart.getChart(canvas)!;
    const index = instance.data.labels.indexOf(label);
    if (index < 0) return null;
    const point = instance.getDatasetMeta(0).data[index]!.getCenterPoint();
    const box = canvas.getBoundingClientRect();
    return { x: box.left + point.x, y: box.top + point.y };
  }, [chart, label] as const);
}

/** Clicks a chart element and waits for the page it opens to carry `param=value`. */
async function drill(page: Page, chart: string, label: string, param: string, value: string) {
  await waitFor(async () => (await pointOf(page, chart, label)) !== null, `${label} drawn`, 10_000);
  const point = (await pointOf(page, chart, label))!;
  await Promise.all([
    page.waitForURL((url) => url.searchParams.get(param) === value),
    page.mouse.click(point.x, point.y),
  ]);
  await page.waitForLoadState("load");
}

Deno.test({
  name:
    "in Chromium the range picker and clicks on the map, a category bar and a card slice filter the whole page",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await createTestDatabase();
    await load(db, sampleRecords(1_200, 97));
    const port = freePort();
    const server = await startServer({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: config.kafkaBrokers.join(","),
      SALES_TOPIC: TOPIC,
      CONSUMER_GROUP: GROUP,
    }, port);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
      const watch = await watchPage(page, server.url);
      await page.goto(`${server.url}/?refresh=off`);
      const all = await tiles(page);
      assert.deepEqual(all, await apiFor(server.url, page));
      assert.equal(all.sales, "1200");

      // The range picker opens the page for the last hour: fewer sales, equal to the API.
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get("range") === "1h"),
        page.selectOption("select[name=range]", "1h"),
      ]);
      await page.waitForLoadState("load");
      const hour = await tiles(page);
      assert.deepEqual(hour, await apiFor(server.url, page));
      assert.equal(hour.sales, "600", "3, 20 and 45 minutes old: half of the sales");
      assert.equal(await page.getAttribute("nav.selection", "data-range"), "1h");

      // A click on California in the map filters the page to it.
      await drill(page, "revenue-by-state", "California", "state", "CA");
      assert.equal(new URL(page.url()).searchParams.get("range"), "1h", "the range is kept");
      assert.deepEqual(await page.locator("a.chip").allTextContents(), ["State: California ×"]);
      const california = await tiles(page);
      assert.deepEqual(california, await apiFor(server.url, page));
      assert.ok(Number(california.sales) > 0 && Number(california.sales) < 600);
      const map = await page.getAttribute("canvas[data-chart=revenue-by-state]", "data-series");
      const states = (JSON.parse(map!)[0].values as string[]).filter((v) => v !== "0.00");
      assert.equal(states.length, 1, "only California has revenue now");
      await page.screenshot({ path: `${Deno.makeTempDirSync()}/range-1h-california.png` });

      // A category bar, then a card slice: the filters add up.
      const category = JSON.parse(
        (await page.getAttribute("canvas[data-chart=profit-by-category]", "data-labels"))!,
      )[0] as string;
      await drill(page, "profit-by-category", category, "category", category);
      const card = JSON.parse(
        (await page.getAttribute("canvas[data-chart=card-usage]", "data-labels"))!,
      )[0] as string;
      await drill(page, "card-usage", card, "card", card);
      assert.deepEqual(await page.locator("a.chip").allTextContents(), [
        "State: California ×",
        `Category: ${category} ×`,
        `Card: ${card} ×`,
      ]);
      assert.deepEqual(await tiles(page), await apiFor(server.url, page));

      // A polled refresh keeps the selection: the fragments ask with the same filters.
      const asked = page.waitForRequest((r) => r.url().includes("/fragments/kpis?"));
      await page.click("#refresh-now");
      const fragment = new URL((await asked).url());
      for (const [k, v] of Object.entries({ range: "1h", state: "CA", category, card })) {
        assert.equal(fragment.searchParams.get(k), v, `the fragment asks with ${k}`);
      }

      // Removing the state chip widens the page again.
      await Promise.all([
        page.waitForURL((url) => !url.searchParams.has("state")),
        page.click("a.chip[data-filter=state]"),
      ]);
      assert.equal(await page.locator("a.chip").count(), 2);
      assert.deepEqual(await tiles(page), await apiFor(server.url, page));
      assert.deepEqual(watch, { consoleErrors: [], cspViolations: [], foreign: [], dialogs: [] });
    } finally {
      await browser.close();
      await server.stop();
      await db.close();
    }
  },
});

Deno.test({
  name: "with JavaScript off the range form and the charts' links still filter the page",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const db = await createTestDatabase();
    await load(db, sampleRecords(300, 98));
    const port = freePort();
    const server = await startServer({
      DATABASE_URL: db.url,
      KAFKA_BROKERS: config.kafkaBrokers.join(","),
    }, port);
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${server.url}/?refresh=off`);
      await page.selectOption("select[name=range]", "24h");
      await Promise.all([page.waitForURL(/range=24h/), page.click("#refresh-now")]);
      await page.click("details[data-figures=revenue-by-state] summary");
      const link = page.locator("details[data-figures=revenue-by-state] tbody a").first();
      assert.ok(await link.isVisible(), "the map's states are links without JavaScript");
      const state = await link.textContent();
      await Promise.all([page.waitForURL(/state=/), link.click()]);
      assert.equal(new URL(page.url()).searchParams.get("range"), "24h");
      assert.match(await page.locator("a.chip").first().textContent() ?? "", new RegExp(state!));
      assert.deepEqual(await tiles(page), await apiFor(server.url, page));
      await context.close();
    } finally {
      await browser.close();
      await server.stop();
      await db.close();
    }
  },
});
