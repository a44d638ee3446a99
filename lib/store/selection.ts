/** What the dashboard shows: a time range in whole minutes (UTC) and drill-down filters. */

/** The drill-down filters: the sale's state (two-letter code), category name, card company. */
export interface Filters {
  state?: string;
  category?: string;
  card?: string;
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
  return sel.state !== undefined || sel.category !== undefined || sel.card !== undefined;
}

/** True when the selection has a time range (else: all time). */
export function hasRange(sel: Selection): boolean {
  return sel.fromMinute !== null || sel.toMinute !== null;
}

/** A range as asked: the last N minutes up to now (moving), or fixed minutes. */
export type RangeSpec = { lastMinutes: number } | {
  fromMinute: number | null;
  toMinute: number | null;
};

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
  const range = spec.range;
  if (range === null) return { ...filters, fromMinute: null, toMinute: null };
  if ("lastMinutes" in range) {
    return { ...filters, fromMinute: nowMinute + 1 - range.lastMinutes, toMinute: nowMinute + 1 };
  }
  return { ...filters, fromMinute: range.fromMinute, toMinute: range.toMinute };
}

/** A stable text key of a spec (equal specs, equal keys). */
export function specKey(spec: SelectionSpec): string {
  return JSON.stringify([spec.range, spec.state ?? null, spec.category ?? null, spec.card ?? null]);
}

/** All time, no filters. */
export const EVERYTHING: SelectionSpec = { range: null };
