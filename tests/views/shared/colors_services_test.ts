/**
 * Stable colours: a category or card company has the same colour on every range, filter and
 * page, whatever its rank in the chart.
 */
import assert from "node:assert/strict";
import { createSnapshotStores, loadSnapshot } from "../../../lib/store/snapshot.ts";
import type { ReportsReader } from "../../../lib/reports/retrying_reader.ts";
import { createApp } from "../../../routes/app.ts";
import { unescapeAttr } from "../../support/html.ts";
import { sampleRecords } from "../../support/fixtures.ts";
import { createTestDatabase } from "../../support/services.ts";
import { loadAged } from "../../support/sales_sql.ts";

const SOURCE = { groupId: "colors-group", topic: "colors-topic" };

/** Each label's colour in a chart of the HTML. */
function colorsOf(html: string, chart: string): Map<string, string> {
  const tag = new RegExp(`<canvas data-chart="${chart}"[^>]*>`).exec(html)?.[0] ?? "";
  const attr = (name: string) =>
    JSON.parse(unescapeAttr(new RegExp(`data-${name}="([^"]*)"`).exec(tag)?.[1] ?? "[]"));
  const labels = attr("labels") as string[];
  const colors = attr("colors") as string[];
  assert.equal(colors.length, labels.length, `${chart} has a colour per label`);
  return new Map(labels.map((l, i) => [l, colors[i]!]));
}

/** The report rows /kafka reads, as the reports process publishes them (a few keys). */
function reports(categories: string[], cards: string[]): ReportsReader {
  const money = (i: number) => `${100 + i}.00`;
  const state = {
    reports: {
      total_sales_summary: [{ sales_count: 3, revenue: "300.00", cost: "100.00" }],
      sales_by_category: categories.map((category, i) => ({
        category,
        sales_count: i + 1,
        revenue: money(i),
        cost: "1.00",
      })),
      sales_by_state: [],
      sales_by_city: [],
      customer_insights: [],
      credit_card_usage: cards.map((card_company, i) => ({
        card_company,
        sales_count: 10 - i,
        amount: money(i),
      })),
    },
    caughtUp: true,
    problem: null,
    missing: false,
  };
  return {
    prefix: "",
    read: () => Promise.resolve(state),
    caughtUp: () => Promise.resolve(),
    close: () => Promise.resolve(),
  };
}

Deno.test("a category and a card company keep their colour across ranges, filters and pages", async () => {
  const db = await createTestDatabase();
  const stores = createSnapshotStores((spec) => loadSnapshot(db.sql, SOURCE, spec), {
    reuseMs: 0,
    staleMs: 0,
  });
  try {
    await loadAged(db, sampleRecords(900, 23), [2, 50, 300, 2_000, 9_000], SOURCE);
    // /kafka ranks them the other way round: the colours must not follow the rank.
    const app = createApp({
      sql: db.sql,
      stores,
      endOffsets: null,
      reports: reports(["Toys", "Books", "Electronics"], ["JCB", "Discover", "Visa"]),
    });
    const seen = { category: new Map<string, Set<string>>(), card: new Map<string, Set<string>>() };
    const orders: string[] = [];
    const note = (kind: "category" | "card", colors: Map<string, string>) => {
      for (const [label, color] of colors) {
        seen[kind].set(label, (seen[kind].get(label) ?? new Set()).add(color));
      }
    };
    for (const query of ["", "range=1h", "range=24h&state=CA", "range=7d&card=Visa", "state=TX"]) {
      const html = await (await app.request(`/fragments/charts?${query}`)).text();
      const categories = colorsOf(html, "revenue-by-category");
      assert.deepEqual(colorsOf(html, "profit-by-category"), categories, "both category charts");
      note("category", categories);
      note("card", colorsOf(html, "card-usage"));
      orders.push([...categories.keys()].join(","));
    }
    const kafka = await (await app.request("/fragments/kafka-charts")).text();
    note("category", colorsOf(kafka, "revenue-by-category"));
    note("card", colorsOf(kafka, "card-usage"));
    note("card", colorsOf(kafka, "card-amount"));
    assert.ok(new Set(orders).size > 1, "the filters change the categories' order");
    for (const kind of ["category", "card"] as const) {
      for (const [label, colors] of seen[kind]) {
        assert.equal(colors.size, 1, `${kind} ${label} has one colour: ${[...colors]}`);
      }
      // Told apart: no two of the usual ones share a colour.
      const colors = [...seen[kind].values()].map((s) => [...s][0]);
      assert.equal(new Set(colors).size, colors.length, `${kind} colours are distinct`);
    }
    assert.equal(seen.category.size, 10);
    assert.equal(seen.card.size, 5);
  } finally {
    await stores.settled();
    await db.close();
  }
});
