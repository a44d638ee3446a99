/// <reference lib="dom" />
/**
 * In Chromium: axe-core finds no WCAG 2.1 A or AA violation on /, /?range=1h&state=CA and /kafka
 * at 1400 and 390 px; the tiles compare with the previous period; a product drills down to its
 * chip; custom dates from the form; filters from the keyboard; on a phone the KPIs fill the first
 * screen and the controls come after the content.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { validate } from "../../../lib/core/decode.ts";
import type { SaleRecord } from "../../../lib/core/sale.ts";
import { type SourcedSale, writeBatch } from "../../../lib/store/write_batch.ts";
import { axeViolations } from "../../support/a11y.ts";
import { freePort, sampleRecords, waitFor } from "../../support/fixtures.ts";
import {
  assertFitsWidth,
  launchChromium,
  pageKpis,
  startServer,
  watchPage,
} from "../../support/browser.ts";
import { config, createTestDatabase, type TestDatabase } from "../../support/services.ts";

const GROUP = "a11y-browser-group";
const TOPIC = "a11y-browser-topic";

/** Sales from 2 minutes to 2 days old (the last hour and the hour before both have some). */
async function load(db: TestDatabase, records: SaleRecord[]) {
  const now = Date.now();
  const ages = [2, 15, 40, 70, 95, 110, 600, 1500, 2800];
  const parts: SourcedSale[][] = [[], []];
  records.forEach((record, i) => {
    const checked = validate(record);
    if (!checked.ok) throw new Error(checked.message);
    const part = parts[i % 2]!;
    const soldAt = new Date(now - ages[i % ages.length]! * 60_000 - (i % 5) * 1_000);
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

/** Starts a server over a fresh database with the spread-out sales; runs `check`; cleans up. */
async function withServer(check: (base: string, page: Page) => Promise<void>) {
  const db = await createTestDatabase();
  await load(db, sampleRecords(900, 61));
  const server = await startServer({
    DATABASE_URL: db.url,
    KAFKA_BROKERS: config.kafkaBrokers.join(","),
    SALES_TOPIC: TOPIC,
    CONSUMER_GROUP: GROUP,
  }, freePort());
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const watch = await watchPage(page, server.url);
    await check(server.url, page);
    assert.deepEqual(watch, { consoleErrors: [], cspViolations: [], foreign: [], dialogs: [] });
  } finally {
    await browser.close();
    await server.stop();
    await db.close();
  }
}

/** Opens a path and waits until its charts are drawn (the map needs the atlas). */
async function open(page: Page, url: string) {
  await page.goto(url);
  await page.waitForLoadState("load");
  await waitFor(
    () =>
      page.evaluate(() => {
        const g = globalThis as unknown as { Chart?: { getChart(c: Element): unknown } };
        const canvases = [...document.querySelectorAll("canvas[data-chart]:not([hidden])")];
        return canvases.every((c) => g.Chart?.getChart(c) !== undefined);
      }),
    `the charts of ${url} drawn`,
    15_000,
  );
}

/** The API's KPI numbers for a query, as the tiles carry them. */
async function apiTiles(base: string, query: string) {
  const api = await (await fetch(`${base}/api/summary?${query}`)).json();
  const pick = (s: Record<string, unknown>) => ({
    sales: String(s.sales),
    revenue: s.revenue,
    cost: s.cost,
    profit: s.profit,
    margin: s.margin,
    aov: s.aov,
    customers: String(s.customers),
    products: String(s.products),
    categories: String(s.categories),
  });
  return { current: pick(api), previous: api.previous ? pick(api.previous) : null };
}

/** The page's tiles without the rejected and untrusted-timestamp counters. */
async function tiles(page: Page) {
  const { rejected: _, untrusted: __, ...rest } = await pageKpis(page);
  return rest;
}

/** The previous-period value each tile carries, by KPI name (the two counters left out). */
function previousOnTiles(page: Page) {
  return page.$$eval("[data-kpi]", (els) =>
    Object.fromEntries(
      els.filter((e) => !["rejected", "untrusted"].includes(e.getAttribute("data-kpi")!)).map((
        e,
      ) => [
        e.getAttribute("data-kpi"),
        e.querySelector("[data-previous]")?.getAttribute("data-previous") ?? null,
      ]),
    ));
}

Deno.test({
  name:
    "axe-core finds no WCAG 2.1 A or AA violation on /, /?range=1h&state=CA and /kafka at 1400 and 390 px",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withServer(async (base, page) => {
      // axe runs and reports: a page with an image without a text alternative is one violation.
      await page.setContent(
        `<html lang="en"><title>t</title><main><img src="/x.png"></main></html>`,
      );
      assert.deepEqual((await axeViolations(page)).map((v) => v.id), ["image-alt"]);
      const found: string[] = [];
      for (const width of [1400, 390]) {
        await page.setViewportSize({ width, height: width > 800 ? 1000 : 844 });
        for (const path of ["/", "/?range=1h&state=CA", "/kafka"]) {
          await open(page, `${base}${path}`);
          // Open every chart's figures too, so the tables in them are checked.
          await page.$$eval(
            "details.figures",
            (els) => els.forEach((d) => d.setAttribute("open", "")),
          );
          const violations = await axeViolations(page);
          for (const v of violations) {
            found.push(
              `${path} at ${width} px: ${v.id} (${v.impact}) ${v.help}: ${v.targets.join(", ")}`,
            );
          }
          console.log(`axe ${path} at ${width} px: ${violations.length} violations`);
        }
      }
      assert.deepEqual(found, []);
    });
  },
});

Deno.test({
  name:
    "in Chromium the tiles compare with the period before, a product drills down to its chip, custom dates come from the form, and filters work from the keyboard",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withServer(async (base, page) => {
      // Against the previous period: every tile carries the previous value the API gives.
      await open(page, `${base}/?range=1h`);
      const hour = await apiTiles(base, "range=1h");
      assert.ok(hour.previous, "the last hour has a previous period");
      assert.deepEqual(await tiles(page), hour.current);
      assert.deepEqual(await previousOnTiles(page), hour.previous);
      const change = await page.locator("[data-kpi=sales] .kpi-change").textContent();
      assert.match(change ?? "", /^[▲▼■] [+−±][\d,]+( \([+−±][\d.]+\s%\))?$/);
      assert.match(await page.locator("[data-comparison]").textContent() ?? "", /UTC/);

      // All time has nothing to compare with.
      await open(page, `${base}/`);
      assert.equal(await page.locator(".kpi-change").count(), 0);

      // A product of the top products table drills down; its chip names it and removes it.
      await open(page, `${base}/?range=24h`);
      const first = page.locator("[data-table=top-products] tbody tr").first();
      const productId = await first.getAttribute("data-product-id");
      const productName = await first.locator("td[data-product]").getAttribute("data-product");
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get("product") === productId),
        first.locator("a").click(),
      ]);
      await open(page, page.url());
      assert.deepEqual(await page.locator("a.chip").allTextContents(), [
        `Product: ${productName} ×`,
      ]);
      assert.deepEqual(
        await tiles(page),
        (await apiTiles(base, `range=24h&product=${productId}`)).current,
      );
      assert.equal(await page.locator("[data-kpi=products]").getAttribute("data-value"), "1");

      // Custom dates from the form: yesterday and today (UTC), both days included.
      const today = new Date().toISOString().slice(0, 10);
      const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
      await open(page, `${base}/`);
      await page.fill("input[name=from]", yesterday);
      await page.fill("input[name=to]", today);
      assert.equal(await page.inputValue("select[name=range]"), "custom");
      await Promise.all([
        page.waitForURL((url) => url.searchParams.get("from") === yesterday),
        page.click("#refresh-now"),
      ]);
      await open(page, page.url());
      const url = new URL(page.url());
      assert.equal(url.searchParams.get("range"), "custom");
      assert.equal(url.searchParams.get("to"), today);
      const custom = await apiTiles(base, `from=${yesterday}&to=${today}`);
      assert.deepEqual(await tiles(page), custom.current);
      assert.equal(
        await page.locator("nav.selection").getAttribute("data-from"),
        `${yesterday}T00:00:00.000Z`,
      );

      // From the keyboard: open a chart's figures, follow a state link, then remove its chip.
      await open(page, `${base}/?range=24h`);
      const summary = page.locator("details[data-figures=revenue-by-state] summary");
      await summary.focus();
      await page.keyboard.press("Enter");
      const stateLink = page.locator("details[data-figures=revenue-by-state] tbody a").first();
      await stateLink.focus();
      await Promise.all([
        page.waitForURL((u) => u.searchParams.has("state")),
        page.keyboard.press("Enter"),
      ]);
      await open(page, page.url());
      assert.equal(await page.locator("a.chip[data-filter=state]").count(), 1);
      await page.locator("a.chip[data-filter=state]").focus();
      await Promise.all([
        page.waitForURL((u) => !u.searchParams.has("state")),
        page.keyboard.press("Enter"),
      ]);
      // The range picker from the keyboard: a new range is a new page.
      await open(page, page.url());
      await page.locator("select[name=range]").focus();
      await Promise.all([
        page.waitForURL((u) => u.searchParams.get("range") === "today"),
        page.selectOption("select[name=range]", "today"),
      ]);
      await open(page, page.url());
      assert.match(await page.locator(".range-label").textContent() ?? "", /^Today \(00:00 to/);
    });
  },
});

Deno.test({
  name:
    "on a 390 px phone the KPIs fill the first screen, controls and lag come after the content, tables fit and the map legend stays off the map",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withServer(async (base, page) => {
      await page.setViewportSize({ width: 390, height: 844 });
      await open(page, `${base}/?range=24h`);
      const boxes = await page.$$eval("[data-kpi]", (els) =>
        els.map((e) => {
          const r = e.getBoundingClientRect();
          return { name: e.getAttribute("data-kpi"), bottom: r.bottom + scrollY };
        }));
      assert.equal(boxes.length, 11);
      for (const box of boxes) assert.ok(box.bottom <= 844, `${box.name} ends at ${box.bottom} px`);
      const top = (selector: string) =>
        page.$eval(selector, (e) => e.getBoundingClientRect().top + scrollY);
      const bottom = (selector: string) =>
        page.$eval(selector, (e) => e.getBoundingClientRect().bottom + scrollY);
      assert.ok(await top("#controls") >= await bottom("main.content"), "controls after content");
      assert.ok(await top("table.lag, [data-lag]") >= await bottom("main.content"), "lag after");
      await assertFitsWidth(page, 390);
      // Every table fits: no region needs to scroll sideways.
      const wide = await page.$$eval(
        ".table-card .scroll",
        (els) =>
          els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) =>
            e.getAttribute("aria-label")
          ),
      );
      assert.deepEqual(wide, []);
      // The map's legend is under the map, outside its canvas.
      assert.ok(
        await top("[data-map-legend]") >= await bottom("canvas[data-chart=revenue-by-state]"),
        "the legend is under the map",
      );
      // The skip link leads to the controls.
      assert.equal(await page.getAttribute("nav.selection a.skip", "href"), "#controls");
    });
  },
});
