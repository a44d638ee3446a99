/** The producer's pause between messages: "--delay 0", "3" or "1-5" seconds. */
import { ConfigError } from "../infra/settings.ts";

/** Parses "--delay": "0", "3" or "1-5" seconds, into a [min, max] range in milliseconds. */
export function parseDelay(text: string): [number, number] {
  const m = /^(\d+(?:\.\d+)?)(?:-(\d+(?:\.\d+)?))?$/.exec(text.trim());
  const min = Number(m?.[1]), max = Number(m?.[2] ?? m?.[1]);
  if (!m || max < min) {
    throw new ConfigError(`--delay takes seconds as N or MIN-MAX (like 1-5), got "${text}"`);
  }
  return [min * 1000, max * 1000];
}
