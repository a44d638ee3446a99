/** Wall-clock time in IANA zones: names, local midnights across summer time, weeks, months, clocks. */
import assert from "node:assert/strict";
import {
  isTimeZone,
  localDate,
  localTime,
  startOfDay,
  startOfDayAfter,
  startOfMonth,
  startOfWeek,
  zonedClock,
  zonedMinute,
  zonedShort,
} from "../../lib/core/zoned_time.ts";

const minute = (iso: string) => Date.parse(iso) / 60_000;
const iso = (m: number) => new Date(m * 60_000).toISOString();

Deno.test("isTimeZone() knows IANA names and refuses anything else", () => {
  for (const name of ["UTC", "America/New_York", "Asia/Kathmandu", "Europe/Berlin"]) {
    assert.ok(isTimeZone(name), name);
  }
  for (const name of ["", "Mars/Olympus", "UTC; rm -rf /", "x".repeat(65), "../etc", "Europe/"]) {
    assert.equal(isTimeZone(name), false, name);
  }
});

Deno.test("zonedMinute() and startOfDay() follow the zone's offset, summer time included", () => {
  assert.equal(iso(zonedMinute("UTC", 2026, 12, 6)), "2026-12-06T00:00:00.000Z");
  assert.equal(iso(zonedMinute("America/New_York", 2026, 12, 6)), "2026-12-06T05:00:00.000Z");
  assert.equal(iso(zonedMinute("America/New_York", 2026, 7, 6)), "2026-07-06T04:00:00.000Z");
  assert.equal(iso(zonedMinute("Asia/Kathmandu", 2026, 12, 6)), "2026-12-05T18:15:00.000Z");
  // 2026-03-08 in New York: 02:00 does not exist; the day has 23 hours.
  const day = zonedMinute("America/New_York", 2026, 3, 8);
  assert.equal(startOfDayAfter(day, "America/New_York", 1) - day, 23 * 60);
  assert.equal(iso(zonedMinute("America/New_York", 2026, 3, 8, 2, 30)), "2026-03-08T06:30:00.000Z");
  // 2026-11-01: 01:30 happens twice; the first is taken; the day has 25 hours.
  const fall = zonedMinute("America/New_York", 2026, 11, 1);
  assert.equal(startOfDayAfter(fall, "America/New_York", 1) - fall, 25 * 60);
  assert.equal(
    iso(zonedMinute("America/New_York", 2026, 11, 1, 1, 30)),
    "2026-11-01T05:30:00.000Z",
  );
  assert.equal(
    iso(startOfDay(minute("2026-12-06T03:30:00Z"), "America/New_York")),
    "2026-12-05T05:00:00.000Z",
  );
});

Deno.test("startOfWeek() is the Monday and startOfMonth() the first, at local midnight", () => {
  // Sunday 2026-12-06, 20:00 in Berlin.
  const at = minute("2026-12-06T19:00:00Z");
  assert.equal(iso(startOfWeek(at, "Europe/Berlin")), "2026-11-29T23:00:00.000Z");
  assert.equal(
    localTime(new Date(startOfWeek(at, "Europe/Berlin") * 60_000), "Europe/Berlin").weekday,
    0,
  );
  assert.equal(iso(startOfMonth(at, "Europe/Berlin")), "2026-11-30T23:00:00.000Z");
  assert.equal(iso(startOfDayAfter(at, "Europe/Berlin", -6)), "2026-11-29T23:00:00.000Z");
});

Deno.test("times are shown with their zone's name", () => {
  const at = new Date("2026-12-06T14:03:22Z");
  assert.equal(zonedClock(at, "UTC"), "14:03:22 UTC");
  assert.equal(zonedClock(at, "America/New_York"), "09:03:22 EST");
  assert.equal(zonedShort(at, "Asia/Kathmandu"), "19:48");
  assert.equal(zonedShort(at, "Asia/Kathmandu", true), "12-06 19:48");
  assert.equal(localDate(new Date("2026-12-06T02:00:00Z"), "America/New_York"), "2026-12-05");
});
