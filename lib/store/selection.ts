/** What the dashboard shows: a time range in whole minutes (UTC) and drill-down filters. */
import { startOfDay, startOfDayAfter, startOfMonth, startOfWeek } from "../core/zoned_time.ts";

/**
 * The drill-down filters: the sale's state (two-letter code), category name, card company and
 * product (its id).
 */
export interface Filters {
  state?: string;
  category?: string;
  card?: string;
  product?: number;
}

/** A time range and filters. No range (both ends null) means all time. */
export interface Selection extends Filters {
  /** first minute counted (minutes since the epoch, UTC), or null for the beginning */
  fromMinute: number | null;
  /** first minute no longer counted, or null for no end */
  toMinute: number | null;
}

/** True when the selection is all time without filters (served from the all-time rows). */
export function isEverything(sel: Selection): boolean {
  return sel.fromMinute === null && sel.toMinute === null && !hasFilters(sel);
}

/** True when any drill-down filter is set. */
export function hasFilters(sel: Filters): boolean {
  return sel.state !== undefined || sel.category !== undefined || sel.card !== undefined ||
    sel.product !== undefined;
}

/** True when the selection has a time range (else: all time). */
export function hasRange(sel: Selection): boolean {
  return sel.fromMinute !== null || sel.toMinute !== null;
}

/** The calendar ranges, aligned to local days in a time zone. */
export type CalendarRange = "today" | "yesterday" | "week" | "7days" | "month";

/**
 * A range as asked: the last N minutes up to now (moving), a calendar range in a time zone
 * (today, yesterday, this week from Monday, the last 7 days with today, this month; moving), or
 * fixed minutes.
 */
export type RangeSpec =
  | { lastMinutes: number }
  | { calendar: CalendarRange; timeZone: string }
  | { fromMinute: number | null; toMinute: number | null };

/** A selection as asked (its range may move with time); resolved to minutes when read. */
export interface SelectionSpec extends Filters {
  /** null: all time */
  range: RangeSpec | null;
}

/** The selection of a spec at a moment: "the last N minutes" ends with the current minute. */
export function resolveSelection(spec: SelectionSpec, nowMinute: number): Selection {
  const filters: Filters = {};
  if (spec.state !== undefined) filters.state = spec.state;
  if (spec.category !== undefined) filters.category = spec.category;
  if (spec.card !== undefined) filters.card = spec.card;
  if (spec.product !== undefined) filters.product = spec.product;
  const range = spec.range;
  if (range === null) return { ...filters, fromMinute: null, toMinute: null };
  if ("lastMinutes" in range) {
    return { ...filters, fromMinute: nowMinute + 1 - range.lastMinutes, toMinute: nowMinute + 1 };
  }
  if ("calendar" in range) return { ...filters, ...calendarMinutes(range, nowMinute) };
  return { ...filters, fromMinute: range.fromMinute, toMinute: range.toMinute };
}

/** The minutes of a calendar range at `nowMinute`: up to the current minute, or yesterday whole. */
function calendarMinutes(
  range: { calendar: CalendarRange; timeZone: string },
  nowMinute: number,
): { fromMinute: number; toMinute: number } {
  const zone = range.timeZone;
  const end = nowMinute + 1;
  switch (range.calendar) {
    case "today":
      return { fromMinute: startOfDay(nowMinute, zone), toMinute: end };
    case "yesterday":
      return {
        fromMinute: startOfDayAfter(nowMinute, zone, -1),
        toMinute: startOfDay(nowMinute, zone),
      };
    case "week":
      return { fromMinute: startOfWeek(nowMinute, zone), toMinute: end };
    case "7days":
      return { fromMinute: startOfDayAfter(nowMinute, zone, -6), toMinute: end };
    case "month":
      return { fromMinute: startOfMonth(nowMinute, zone), toMinute: end };
  }
}

/**
 * The period of equal length just before a selection's range, with the same filters; null for
 * a range open at either end (all time has no previous period).
 */
export function previousOf(sel: Selection): Selection | null {
  if (sel.fromMinute === null || sel.toMinute === null) return null;
  const length = sel.toMinute - sel.fromMinute;
  return { ...sel, fromMinute: sel.fromMinute - length, toMinute: sel.fromMinute };
}

/** A stable text key of a spec (equal specs, equal keys). */
export function specKey(spec: SelectionSpec): string {
  return JSON.stringify([
    spec.range,
    spec.state ?? null,
    spec.category ?? null,
    spec.card ?? null,
    spec.product ?? null,
  ]);
}

/** All time, no filters. */
export const EVERYTHING: SelectionSpec = { range: null };
