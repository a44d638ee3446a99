/**
 * The time range and drill-down filters of a page or API request, read from the URL:
 * ?range=15m|1h|6h|24h|7d|all (pages) or ?from=ISO&to=ISO (API), and ?state=&category=&card=.
 */
import { stateCode } from "../../lib/core/us_states.ts";
import type { Filters, SelectionSpec } from "../../lib/store/selection.ts";

/** The ranges the picker offers: the value kept in the URL, its label and its length. */
export const RANGE_CHOICES = [
  { value: "15m", label: "Last 15 min", minutes: 15 },
  { value: "1h", label: "Last hour", minutes: 60 },
  { value: "6h", label: "Last 6 hours", minutes: 360 },
  { value: "24h", label: "Last 24 hours", minutes: 1440 },
  { value: "7d", label: "Last 7 days", minutes: 10080 },
  { value: "all", label: "All time", minutes: null },
] as const;

/** A range choice of the picker. */
export type RangeChoice = (typeof RANGE_CHOICES)[number]["value"];

/** The range shown when the URL names none (or an unknown one). */
const DEFAULT_RANGE: RangeChoice = "all";

/** The filters a URL may carry, in chip order, with their labels. */
export const FILTER_NAMES = [
  { name: "state", label: "State" },
  { name: "category", label: "Category" },
  { name: "card", label: "Card" },
] as const;

/** A filter's URL parameter name. */
export type FilterName = (typeof FILTER_NAMES)[number]["name"];

/** Longest filter value accepted (the longest text field of a sale). */
const MAX_FILTER = 200;

/** What a page shows: the range choice, its spec, and the filters. */
export interface PageSelection {
  range: RangeChoice;
  spec: SelectionSpec;
  filters: Filters;
}

/** Thrown for a bad range or filter in an API request; the message names the parameter. */
export class SelectionError extends Error {
  override name = "SelectionError";
}

/** Reads a page's ?range= and filters, ignoring what is not valid (the page still renders). */
export function pageSelection(query: URLSearchParams): PageSelection {
  const asked = query.get("range");
  const choice = RANGE_CHOICES.find((c) => c.value === asked) ?? rangeChoice(DEFAULT_RANGE);
  const filters = readFilters(query, false);
  return {
    range: choice.value,
    spec: { ...filters, range: choice.minutes === null ? null : { lastMinutes: choice.minutes } },
    filters,
  };
}

/**
 * Reads an API request's selection strictly: ?range= (a picker choice), or ?from=&to= (ISO 8601
 * UTC times, rounded down to whole minutes; either may be left out), and the filters. Throws
 * SelectionError with a sentence naming the parameter.
 */
export function apiSelection(query: URLSearchParams): SelectionSpec {
  const filters = readFilters(query, true);
  const range = query.get("range");
  const from = query.get("from");
  const to = query.get("to");
  if (range !== null && (from !== null || to !== null)) {
    throw new SelectionError("give either range or from/to, not both");
  }
  if (range !== null) {
    const choice = RANGE_CHOICES.find((c) => c.value === range);
    if (!choice) {
      throw new SelectionError(
        `range must be one of ${RANGE_CHOICES.map((c) => c.value).join(", ")}, got "${range}"`,
      );
    }
    return { ...filters, range: choice.minutes === null ? null : { lastMinutes: choice.minutes } };
  }
  if (from === null && to === null) return { ...filters, range: null };
  const fromMinute = from === null ? null : isoMinute("from", from);
  const toMinute = to === null ? null : isoMinute("to", to);
  if (fromMinute !== null && toMinute !== null && toMinute <= fromMinute) {
    throw new SelectionError("to must be at least one whole minute after from");
  }
  return { ...filters, range: { fromMinute, toMinute } };
}

/** The choice entry of a range value. */
export function rangeChoice(value: RangeChoice) {
  return RANGE_CHOICES.find((c) => c.value === value)!;
}

/** An ISO 8601 time with a zone (Z or ±hh:mm) as whole minutes since the epoch, rounded down. */
function isoMinute(name: string, text: string): number {
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(text);
  const ms = ok ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) {
    throw new SelectionError(
      `${name} must be an ISO 8601 time with a zone, like 2026-11-27T14:00:00Z; got "${
        text.slice(0, 60)
      }"`,
    );
  }
  return Math.floor(ms / 60_000);
}

/** The filters of a query: strict (API) throws on a bad value, lenient (pages) drops it. */
function readFilters(query: URLSearchParams, strict: boolean): Filters {
  const filters: Filters = {};
  const bad = (message: string) => {
    if (strict) throw new SelectionError(message);
  };
  const state = query.get("state");
  if (state !== null) {
    const code = stateCode(state);
    if (code) filters.state = code;
    else bad(`state must be a US state code or name (or DC), got "${state.slice(0, 60)}"`);
  }
  for (const name of ["category", "card"] as const) {
    const value = query.get(name);
    if (value === null) continue;
    if (value.trim() === "" || value.length > MAX_FILTER || value.includes("\0")) {
      bad(`${name} must be a name of 1 to ${MAX_FILTER} characters`);
    } else filters[name] = value;
  }
  return filters;
}

/** The same page's URL query with some parameters set (a value) or removed (null). */
export function queryWith(query: URLSearchParams, changes: Record<string, string | null>): string {
  const next = new URLSearchParams(query);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) next.delete(name);
    else next.set(name, value);
  }
  const text = next.toString();
  return text ? `?${text}` : "?";
}
