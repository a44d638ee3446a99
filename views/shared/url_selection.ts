/**
 * The time range, time zone and drill-down filters of a page or API request, read from the URL:
 * ?range= (a moving or calendar range, or custom), ?from=&to= (dates in the zone, or ISO 8601
 * times with a zone), ?tz= (an IANA zone), and ?state=&category=&card=&product=. Links are
 * built from what was read, never by copying the request's query.
 */
import { stateCode } from "../../lib/core/us_states.ts";
import { isTimeZone, startOfDayAfter, zonedMinute } from "../../lib/core/zoned_time.ts";
import type { CalendarRange, Filters, SelectionSpec } from "../../lib/store/selection.ts";

/** The ranges the picker offers: the value kept in the URL, its label and what it covers. */
export const RANGE_CHOICES = [
  { value: "today", label: "Today", minutes: null, calendar: "today" },
  { value: "yesterday", label: "Yesterday", minutes: null, calendar: "yesterday" },
  { value: "week", label: "This week", minutes: null, calendar: "week" },
  { value: "7days", label: "Last 7 days", minutes: null, calendar: "7days" },
  { value: "month", label: "This month", minutes: null, calendar: "month" },
  { value: "15m", label: "Last 15 min", minutes: 15, calendar: null },
  { value: "1h", label: "Last hour", minutes: 60, calendar: null },
  { value: "6h", label: "Last 6 hours", minutes: 360, calendar: null },
  { value: "24h", label: "Last 24 hours", minutes: 1440, calendar: null },
  { value: "7d", label: "Last 168 hours", minutes: 10080, calendar: null },
  { value: "all", label: "All time", minutes: null, calendar: null },
  { value: "custom", label: "Custom dates", minutes: null, calendar: null },
] as const satisfies readonly {
  value: string;
  label: string;
  minutes: number | null;
  calendar: CalendarRange | null;
}[];

/** A range choice of the picker. */
export type RangeChoice = (typeof RANGE_CHOICES)[number]["value"];

/** The range shown when the URL names none (or an unknown one). */
const DEFAULT_RANGE: RangeChoice = "all";

/** The filters a URL may carry, in chip order, with their labels. */
export const FILTER_NAMES = [
  { name: "state", label: "State" },
  { name: "category", label: "Category" },
  { name: "card", label: "Card" },
  { name: "product", label: "Product" },
] as const;

/** A filter's URL parameter name. */
export type FilterName = (typeof FILTER_NAMES)[number]["name"];

/** Longest filter value accepted (the longest text field of a sale). */
const MAX_FILTER = 200;
/** The years a time may name: the minute log counts minutes since 1970 in a 32-bit integer. */
const FIRST_YEAR = 1;
const LAST_YEAR = 6052;
const MINUTE_LIMIT = 2 ** 31 - 1;

/** What a request asks for: the range choice, its spec, the filters, the zone and the links. */
export interface PageSelection {
  range: RangeChoice;
  spec: SelectionSpec;
  filters: Filters;
  /** the zone days, dates and times are read and shown in */
  timeZone: string;
  /** the custom range's ends as given (dates or ISO times); empty when not custom */
  from: string;
  to: string;
  /** the parameters to carry in links (only what was read and valid), in a fixed order */
  params: [string, string][];
}

/** Thrown for a bad range, time, zone or filter; the message names the parameter. */
export class SelectionError extends Error {
  override name = "SelectionError";
}

/**
 * Reads a page's selection: an unknown range, zone or filter is left out (the page still
 * renders); a custom range's impossible or out-of-range date throws SelectionError (a 400).
 */
export function pageSelection(query: URLSearchParams, defaultZone: string): PageSelection {
  return readSelection(query, defaultZone, false);
}

/**
 * Reads an API request's selection strictly: ?range= (a picker choice), or ?from=&to= (dates in
 * the zone, or ISO 8601 times with a zone, rounded down to whole minutes; either may be left
 * out), ?tz= and the filters. Throws SelectionError with a sentence naming the parameter.
 */
export function apiSelection(query: URLSearchParams, defaultZone: string): SelectionSpec {
  return readSelection(query, defaultZone, true).spec;
}

/** The zone a page shows its times in: a valid ?tz=, else the server's default. */
export function pageTimeZone(query: URLSearchParams, defaultZone: string): string {
  const asked = query.get("tz");
  return asked !== null && isTimeZone(asked) ? asked : defaultZone;
}

/** The choice entry of a range value. */
export function rangeChoice(value: RangeChoice) {
  return RANGE_CHOICES.find((c) => c.value === value)!;
}

function readSelection(query: URLSearchParams, defaultZone: string, strict: boolean) {
  const bad = (message: string) => {
    if (strict) throw new SelectionError(message);
  };
  const params: [string, string][] = [];
  const tzText = query.get("tz");
  let timeZone = defaultZone;
  if (tzText !== null) {
    if (isTimeZone(tzText)) timeZone = tzText;
    else {
      bad(`tz must be an IANA time zone name like America/New_York, got "${cut(tzText)}"`);
    }
  }
  const rangeText = query.get("range");
  const from = nonEmpty(query.get("from"));
  const to = nonEmpty(query.get("to"));
  let choice = RANGE_CHOICES.find((c) => c.value === rangeText);
  if (rangeText !== null && !choice) {
    bad(
      `range must be one of ${RANGE_CHOICES.map((c) => c.value).join(", ")}, got "${
        cut(rangeText)
      }"`,
    );
  }
  if (strict && choice && choice.value !== "custom" && (from !== null || to !== null)) {
    throw new SelectionError("give either range or from/to, not both");
  }
  if (!choice) choice = rangeChoice(from !== null || to !== null ? "custom" : DEFAULT_RANGE);
  const filters = readFilters(query, strict);
  let range: SelectionSpec["range"] = null;
  let customFrom = "", customTo = "";
  if (choice.value === "custom") {
    const fromMinute = from === null ? null : timeMinute("from", from, timeZone, false);
    const toMinute = to === null ? null : timeMinute("to", to, timeZone, true);
    if (fromMinute !== null && toMinute !== null && toMinute <= fromMinute) {
      throw new SelectionError("to must be at least one whole minute after from");
    }
    if (fromMinute !== null || toMinute !== null) range = { fromMinute, toMinute };
    customFrom = from ?? "";
    customTo = to ?? "";
  } else if (choice.calendar !== null) {
    range = { calendar: choice.calendar, timeZone };
  } else if (choice.minutes !== null) {
    range = { lastMinutes: choice.minutes };
  }
  if (rangeText !== null || choice.value === "custom") params.push(["range", choice.value]);
  if (customFrom) params.push(["from", customFrom]);
  if (customTo) params.push(["to", customTo]);
  if (timeZone !== defaultZone || tzText === defaultZone) params.push(["tz", timeZone]);
  for (const { name } of FILTER_NAMES) {
    const value = filters[name];
    if (value !== undefined) params.push([name, String(value)]);
  }
  return {
    range: choice.value,
    spec: { ...filters, range },
    filters,
    timeZone,
    from: customFrom,
    to: customTo,
    params,
  };
}

function nonEmpty(text: string | null): string | null {
  return text === null || text === "" ? null : text;
}

/** At most 60 characters of a bad value, for the error sentence. */
function cut(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

function daysInMonth(year: number, month: number): number {
  const date = new Date(Date.UTC(2000, month, 0));
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

/**
 * A range end as whole minutes since the epoch: a date (YYYY-MM-DD, midnight in the zone; a `to`
 * date counts the whole day) or an ISO 8601 time with a zone (Z or ±hh:mm), rounded down.
 */
function timeMinute(name: string, text: string, zone: string, isEnd: boolean): number {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|([+-])(\d{2}):(\d{2})))?$/
      .exec(text);
  if (!m) {
    throw new SelectionError(
      `${name} must be an ISO 8601 time with a zone, like 2026-11-27T14:00:00Z, or a date, ` +
        `like 2026-11-27; got "${cut(text)}"`,
    );
  }
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (year < FIRST_YEAR || year > LAST_YEAR) {
    throw new SelectionError(
      `${name} must be in the years ${FIRST_YEAR} to ${LAST_YEAR} (what the minute log can ` +
        `hold); got "${cut(text)}"`,
    );
  }
  if (month < 1 || month > 12) {
    throw new SelectionError(`${name} has no month ${m[2]}: "${cut(text)}" is not a date`);
  }
  const days = daysInMonth(year, month);
  if (day < 1 || day > days) {
    throw new SelectionError(
      `${name} is not a date: ${MONTHS[month - 1]} ${year} has ${days} days, got "${cut(text)}"`,
    );
  }
  let minute: number;
  if (m[4] === undefined) {
    const midnight = zonedMinute(zone, year, month, day);
    minute = isEnd ? startOfDayAfter(midnight, zone, 1) : midnight;
  } else {
    const [hour, min, sec] = [Number(m[4]), Number(m[5]), Number(m[6] ?? 0)];
    const offsetHours = Number(m[9] ?? 0), offsetMinutes = Number(m[10] ?? 0);
    if (hour > 23 || min > 59 || sec > 59 || offsetHours > 23 || offsetMinutes > 59) {
      throw new SelectionError(`${name} is not a time of day: "${cut(text)}"`);
    }
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, min, 0, 0);
    const offset = (offsetHours * 60 + offsetMinutes) * (m[8] === "-" ? -1 : 1);
    minute = Math.floor(date.getTime() / 60_000) - offset;
  }
  if (!Number.isFinite(minute) || Math.abs(minute) > MINUTE_LIMIT) {
    throw new SelectionError(
      `${name} is outside what the minute log can hold (years ${FIRST_YEAR} to ${LAST_YEAR})`,
    );
  }
  return minute;
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
    else bad(`state must be a US state code or name (or DC), got "${cut(state)}"`);
  }
  for (const name of ["category", "card"] as const) {
    const value = query.get(name);
    if (value === null) continue;
    if (value.trim() === "" || value.length > MAX_FILTER || value.includes("\0")) {
      bad(`${name} must be a name of 1 to ${MAX_FILTER} characters`);
    } else filters[name] = value;
  }
  const product = query.get("product");
  if (product !== null) {
    const id = /^[1-9]\d{0,9}$/.test(product) ? Number(product) : NaN;
    if (id <= MINUTE_LIMIT) filters.product = id;
    else bad(`product must be a product id (a whole number from 1), got "${cut(product)}"`);
  }
  return filters;
}

/**
 * A link to the same page with the selection's parameters, some changed (a value) or removed
 * (null), and the refresh interval when the URL gave a valid one.
 */
export function selectionLink(
  selection: PageSelection,
  changes: Record<string, string | null> = {},
  refresh?: string,
): string {
  const next = new URLSearchParams(selection.params);
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) next.delete(name);
    else next.set(name, value);
  }
  if (refresh !== undefined) next.set("refresh", refresh);
  const text = next.toString();
  return text ? `?${text}` : "?";
}

/**
 * The selection as an API request's query (the same range, zone and filters) with more
 * parameters, e.g. format=csv.
 */
export function apiQuery(selection: PageSelection, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(
    selection.params.filter(([name]) => name !== "range" || selection.range !== "custom"),
  );
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  return `?${params.toString()}`;
}
