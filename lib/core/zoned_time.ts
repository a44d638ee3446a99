/**
 * Wall-clock time in an IANA time zone (Intl only): checking a zone's name, the UTC minute of a
 * local date and time, the start of a local day, week or month, and times shown with their zone.
 */

/** The zone used when none is set. */
export const DEFAULT_TIME_ZONE = "UTC";

/** Longest zone name accepted (the longest IANA names are about 30 characters). */
const MAX_ZONE_NAME = 64;

const partsFormats = new Map<string, Intl.DateTimeFormat>();

/** A formatter giving the numeric local date and time parts of an instant in `timeZone`. */
function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let format = partsFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      weekday: "short",
    });
    partsFormats.set(timeZone, format);
  }
  return format;
}

/** True when `name` is a time zone name Intl knows ("UTC", "America/New_York", ...). */
export function isTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > MAX_ZONE_NAME || !/^[A-Za-z0-9_+\-/]+$/.test(name)) {
    return false;
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The local date and time of an instant in a zone (weekday 0 = Monday). */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** The local date and time of `at` in `timeZone`. */
export function localTime(at: Date, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of partsFormat(timeZone).formatToParts(at)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS.indexOf(parts.weekday!),
  };
}

/** Minutes the zone is ahead of UTC at the instant `epochMinute`. */
function offsetAt(epochMinute: number, timeZone: string): number {
  const t = localTime(new Date(epochMinute * 60_000), timeZone);
  return localMinute(t.year, t.month, t.day, t.hour, t.minute) - epochMinute;
}

/** Minutes since the epoch of a wall-clock time read as if it were UTC. */
function localMinute(y: number, mo: number, d: number, h: number, mi: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, 0, 0);
  return Math.floor(date.getTime() / 60_000);
}

/**
 * The UTC minute (since the epoch) of a local wall-clock time in `timeZone`. A time skipped by a
 * change to summer time is read with the offset after the change (the earlier instant); a
 * repeated one as its first.
 */
export function zonedMinute(
  timeZone: string,
  y: number,
  mo: number,
  d: number,
  h = 0,
  mi = 0,
): number {
  const wall = localMinute(y, mo, d, h, mi);
  const first = wall - offsetAt(wall, timeZone);
  const second = wall - offsetAt(first, timeZone);
  return Math.min(first, second);
}

/** The first minute of the local day holding `epochMinute`. */
export function startOfDay(epochMinute: number, timeZone: string): number {
  const t = localTime(new Date(epochMinute * 60_000), timeZone);
  return zonedMinute(timeZone, t.year, t.month, t.day);
}

/** The first minute of the local day `days` days after the one holding `epochMinute`. */
export function startOfDayAfter(epochMinute: number, timeZone: string, days: number): number {
  const t = localTime(new Date(epochMinute * 60_000), timeZone);
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(t.year, t.month - 1, t.day + days);
  return zonedMinute(timeZone, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate());
}

/** The first minute of the local week (from Monday) holding `epochMinute`. */
export function startOfWeek(epochMinute: number, timeZone: string): number {
  const t = localTime(new Date(epochMinute * 60_000), timeZone);
  return startOfDayAfter(epochMinute, timeZone, -t.weekday);
}

/** The first minute of the local month holding `epochMinute`. */
export function startOfMonth(epochMinute: number, timeZone: string): number {
  const t = localTime(new Date(epochMinute * 60_000), timeZone);
  return zonedMinute(timeZone, t.year, t.month, 1);
}

const zoneNames = new Map<string, Intl.DateTimeFormat>();

/** The zone's short name at an instant ("UTC", "EST", "GMT+1"). */
export function zoneAbbreviation(at: Date, timeZone: string): string {
  let format = zoneNames.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "short" });
    zoneNames.set(timeZone, format);
  }
  return format.formatToParts(at).find((p) => p.type === "timeZoneName")?.value ?? timeZone;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** The local date of an instant as YYYY-MM-DD. */
export function localDate(at: Date, timeZone: string): string {
  const t = localTime(at, timeZone);
  return `${String(t.year).padStart(4, "0")}-${pad(t.month)}-${pad(t.day)}`;
}

/** The local time of an instant as HH:MM:SS followed by the zone ("14:03:22 UTC"). */
export function zonedClock(at: Date, timeZone: string): string {
  const t = localTime(at, timeZone);
  return `${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)} ${zoneAbbreviation(at, timeZone)}`;
}

/** The local time of an instant as HH:MM, with MM-DD before it when `withDate`. */
export function zonedShort(at: Date, timeZone: string, withDate = false): string {
  const t = localTime(at, timeZone);
  const time = `${pad(t.hour)}:${pad(t.minute)}`;
  return withDate ? `${pad(t.month)}-${pad(t.day)} ${time}` : time;
}
