/// <reference lib="dom" />
/** Browser-test helpers: Debian's chromium, the dashboard server as a process, reading the page. */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import { waitFor } from "./fixtures.ts";

/** Debian's chromium, started headless without sandbox, GPU or background networking. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

/** Starts `deno run main.ts` and resolves with its URL once it prints it. */
export async function startServer(env: Record<string, string>, port: number) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("../../main.ts", import.meta.url).pathname, "--port", String(port)],
    env,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  await waitFor(
    () => Promise.resolve(output.includes("Dashboard at http://127.0.0.1:")),
    `the dashboard to start; output so far:\n${output}`,
    30_000,
  );
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      child.kill("SIGTERM");
      const status = await child.status;
      await drained;
      return status;
    },
  };
}

/** The data-value of every KPI tile on the page. */
export function pageKpis(page: Page): Promise<Record<string, string>> {
  return page.$$eval(
    "[data-kpi]",
    (tiles) =>
      Object.fromEntries(
        tiles.map((t) => [t.getAttribute("data-kpi"), t.getAttribute("data-value")]),
      ),
  );
}

/** The sum of a chart's first dataset as Chart.js holds it (proves the chart was drawn and updated). */
export function chartTotal(page: Page, name: string): Promise<number | null> {
  return page.evaluate((name) => {
    const canvas = document.querySelector(`canvas[data-chart="${name}"]`);
    const charts = globalThis as unknown as {
      Chart: { getChart(c: Element): { data: { datasets: { data: unknown[] }[] } } | undefined };
    };
    const chart = canvas && charts.Chart.getChart(canvas);
    if (!chart) return null;
    return (chart.data.datasets[0]!.data as (number | { value: number })[])
      .reduce((n: number, v) => n + (typeof v === "number" ? v : v.value), 0);
  }, name);
}

/** The hx-trigger of every polled fragment. */
export function triggers(page: Page): Promise<string[]> {
  return page.$$eval("[data-poll]", (els) => els.map((e) => e.getAttribute("hx-trigger") ?? ""));
}

/**
 * Picks an interval ("1", "2", ..., or "off") in the page's refresh picker, waits until every
 * polled fragment follows it, and checks that the URL keeps it.
 */
export async function chooseRefresh(page: Page, refresh: string): Promise<void> {
  await page.selectOption("select[name=refresh]", refresh);
  const expected = refresh === "off"
    ? "refresh-now from:body"
    : `every ${refresh}s, refresh-now from:body`;
  await waitFor(
    async () => (await triggers(page)).every((t) => t === expected),
    `hx-trigger "${expected}"`,
    5_000,
  );
  assert.equal(new URL(page.url()).searchParams.get("refresh"), refresh);
}

/** What a page did that a test forbids: console errors, CSP violations, requests elsewhere, dialogs. */
export interface PageWatch {
  consoleErrors: string[];
  cspViolations: string[];
  /** requests to anywhere but the dashboard's own origin */
  foreign: string[];
  dialogs: string[];
}

/** Records the page's console errors, failed responses, CSP reports, foreign requests and dialogs. */
export async function watchPage(page: Page, base: string): Promise<PageWatch> {
  const seen: PageWatch = { consoleErrors: [], cspViolations: [], foreign: [], dialogs: [] };
  page.on("console", (m) => {
    if (m.type() === "error") seen.consoleErrors.push(m.text());
    if (/Content.Security.Policy/i.test(m.text())) seen.cspViolations.push(m.text());
  });
  page.on("pageerror", (e) => seen.consoleErrors.push(`pageerror: ${e.message}`));
  page.on("request", (r) => {
    if (!r.url().startsWith(`${base}/`)) seen.foreign.push(r.url());
  });
  page.on("response", (r) => {
    if (r.status() >= 400) seen.consoleErrors.push(`${r.status()} ${r.url()}`);
  });
  page.on("dialog", (d) => {
    seen.dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  await page.addInitScript(() => {
    const marks = globalThis as unknown as { __cspViolations: string[] };
    marks.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      marks.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return seen;
}

/**
 * Asserts that the page is no wider than the viewport once its layout has settled (Chart.js
 * resizes its canvases a frame or two after a viewport change), naming the elements that stick
 * out when it is not.
 */
export async function assertFitsWidth(page: Page, width: number): Promise<void> {
  const deadline = Date.now() + 3_000;
  let scrollWidth = Infinity;
  while (Date.now() < deadline) {
    scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    if (scrollWidth <= width) return;
    await page.waitForTimeout(100);
  }
  const outside = await page.evaluate((limit) =>
    [...document.querySelectorAll("body *")]
      .filter((e) => e.getBoundingClientRect().right > limit)
      .slice(0, 10)
      .map((e) =>
        `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${
          e.className && typeof e.className === "string"
            ? "." + e.className.split(" ").join(".")
            : ""
        } right=${Math.round(e.getBoundingClientRect().right)}`
      ), width);
  assert.fail(
    `page is ${scrollWidth}px wide on a ${width}px screen; sticking out: ${outside.join(", ")}`,
  );
}

/**
 * Resizes the page to a screen `width` px wide (a desktop's height from 800 px up, a phone's
 * below) and asserts that every KPI tile holds its text and the page is no wider than the screen.
 */
export async function assertFitsAt(page: Page, width: number): Promise<void> {
  await page.setViewportSize({ width, height: width > 800 ? 1000 : 844 });
  await page.waitForTimeout(300);
  assert.deepEqual(await overflowingTiles(page), [], `tiles at ${width} px`);
  await assertFitsWidth(page, width);
}

/** Every KPI tile, label or value whose text is wider than its box ("NAME: text"). */
export function overflowingTiles(page: Page): Promise<string[]> {
  return page.$$eval(
    "[data-kpi]",
    (tiles) =>
      tiles.flatMap((tile) => [tile, ...tile.querySelectorAll("*")])
        .filter((e) => e.scrollWidth > e.clientWidth)
        .map((e) => `${e.closest("[data-kpi]")?.getAttribute("data-kpi")}: ${e.textContent}`),
  );
}

/** The text of each tile as shown, its title and its data-value, by KPI name. */
export function tileTexts(
  page: Page,
): Promise<Record<string, { shown: string; title: string | null; value: string | null }>> {
  return page.$$eval(
    "[data-kpi]",
    (tiles) =>
      Object.fromEntries(tiles.map((t) => [t.getAttribute("data-kpi"), {
        shown: t.querySelector(".kpi-value")?.textContent ?? "",
        title: t.getAttribute("title"),
        value: t.getAttribute("data-value"),
      }])),
  );
}

/** The sentence each chart without data shows in its place (visible ones), by chart name. */
export function emptyCharts(page: Page): Promise<Record<string, string>> {
  return page.$$eval("[data-chart-empty]", (els) =>
    Object.fromEntries(
      els.filter((e) => (e as HTMLElement).offsetParent !== null)
        .map((e) => [e.getAttribute("data-chart-empty"), e.textContent ?? ""]),
    ));
}

/**
 * A doughnut's legend as shown under it: each label's text, and whether it is shown whole (not
 * wider than its box and inside the chart's card).
 */
export function legendLabels(
  page: Page,
  chart: string,
): Promise<{ text: string; whole: boolean }[]> {
  return page.$$eval(
    `[data-legend-for="${chart}"] .legend-label`,
    (labels) =>
      labels.map((label) => {
        const box = label.getBoundingClientRect();
        const card = label.closest("figure")!.getBoundingClientRect();
        const inside = box.left >= card.left && box.right <= card.right && box.width > 0;
        return {
          text: label.textContent ?? "",
          whole: inside && label.scrollWidth <= label.clientWidth,
        };
      }),
  );
}

/** The labels a chart's canvas carries in data-labels. */
export async function chartLabels(page: Page, chart: string): Promise<string[]> {
  return JSON.parse(
    await page.getAttribute(`canvas[data-chart="${chart}"]`, "data-labels") ?? "[]",
  );
}
