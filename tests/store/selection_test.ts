/** Selections: moving, calendar and fixed ranges resolved to minutes, the previous period, filters. */
import assert from "node:assert/strict";
import {
  hasFilters,
  isEverything,
  previousOf,
  resolveSelection,
  specKey,
} from "../../lib/store/selection.ts";

const minute = (iso: string) => Date.parse(iso) / 60_000;
const iso = (m: number | null) => (m === null ? null : new Date(m * 60_000).toISOString());

Deno.test("calendar ranges begin at local midnight of their zone and run to the current minute", () => {
  // Sunday 2026-12-06, 03:30 UTC: still Saturday evening in New York.
  const now = minute("2026-12-06T03:30:00Z");
  const at = (calendar: "today" | "yesterday" | "week" | "7days" | "month", zone: string) => {
    const sel = resolveSelection({ range: { calendar, timeZone: zone } }, now);
    return [iso(sel.fromMinute), iso(sel.toMinute)];
  };
  assert.deepEqual(at("today", "UTC"), ["2026-12-06T00:00:00.000Z", "2026-12-06T03:31:00.000Z"]);
  assert.deepEqual(at("today", "America/New_York"), [
    "2026-12-05T05:00:00.000Z",
    "2026-12-06T03:31:00.000Z",
  ]);
  assert.deepEqual(at("yesterday", "America/New_York"), [
    "2026-12-04T05:00:00.000Z",
    "2026-12-05T05:00:00.000Z",
  ]);
  assert.deepEqual(at("week", "UTC"), ["2026-11-30T00:00:00.000Z", "2026-12-06T03:31:00.000Z"]);
  assert.deepEqual(at("7days", "UTC"), ["2026-11-30T00:00:00.000Z", "2026-12-06T03:31:00.000Z"]);
  assert.deepEqual(at("month", "Asia/Kathmandu"), [
    "2026-11-30T18:15:00.000Z",
    "2026-12-06T03:31:00.000Z",
  ]);
});

Deno.test("previousOf() is the period of equal length just before, with the same filters; none for an open range", () => {
  const sel = resolveSelection(
    { range: { lastMinutes: 60 }, state: "CA", product: 7 },
    minute("2026-12-06T10:00:00Z"),
  );
  const previous = previousOf(sel)!;
  assert.equal(iso(previous.toMinute), iso(sel.fromMinute));
  assert.equal(previous.toMinute! - previous.fromMinute!, 60);
  assert.equal(previous.state, "CA");
  assert.equal(previous.product, 7);
  assert.equal(previousOf(resolveSelection({ range: null }, 0)), null);
  assert.equal(previousOf({ fromMinute: 5, toMinute: null }), null);
});

Deno.test("a product is a filter of its own: not everything, and a key of its own", () => {
  assert.ok(hasFilters({ product: 3 }));
  assert.equal(isEverything({ fromMinute: null, toMinute: null, product: 3 }), false);
  assert.notEqual(specKey({ range: null, product: 3 }), specKey({ range: null, product: 4 }));
  assert.notEqual(
    specKey({ range: { calendar: "today", timeZone: "UTC" } }),
    specKey({ range: { calendar: "today", timeZone: "Europe/Berlin" } }),
  );
});
