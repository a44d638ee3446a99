/** The refresh interval a page polls at: the choices offered and how ?refresh= is read. */

/** The refresh intervals offered, in seconds, and "off". */
export const REFRESH_CHOICES = ["off", "1", "2", "5", "10", "30", "60"] as const;
/** A refresh interval choice. */
export type Refresh = (typeof REFRESH_CHOICES)[number];
/** The interval used when the URL names none (or an unknown one). */
const DEFAULT_REFRESH: Refresh = "5";

/** Reads ?refresh=N, falling back to the default for anything not offered. */
export function parseRefresh(text: string | undefined | null): Refresh {
  return (REFRESH_CHOICES as readonly string[]).includes(text ?? "")
    ? text as Refresh
    : DEFAULT_REFRESH;
}
