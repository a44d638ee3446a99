/**
 * Which clock a sale's time comes from. A sale is filed under its Kafka record's timestamp (the
 * producer's clock, or the broker's when the topic uses LogAppendTime), which any producer may set
 * to anything; so that timestamp is trusted only when it is no more than a tolerance ahead of the
 * consumer's clock and not before 2000-01-01. Otherwise the sale is filed under the time the
 * consumer read it, and the reason is counted: the sale is never rejected for its time.
 */

/** The earliest record timestamp trusted: 2000-01-01T00:00:00Z, in ms since the epoch. */
const SALE_TIME_FLOOR_MS = Date.UTC(2000, 0, 1);

/** Why a record's timestamp was not trusted: too far ahead of the consumer's clock, or too old. */
export type UntrustedTime = "ahead" | "tooOld";

/** The time a sale is filed under, and why its record's own timestamp was not used (if it was not). */
export interface SaleTime {
  at: Date;
  untrusted?: UntrustedTime;
}

/**
 * The time of a sale whose record carries `recordTimestamp` (ms since the epoch, as kafkajs gives
 * it) and was read at `readAtMs` by a consumer that lets records be `toleranceMs` ahead of it.
 */
export function saleTime(recordTimestamp: string, readAtMs: number, toleranceMs: number): SaleTime {
  const ms = Number(recordTimestamp);
  if (!(ms >= SALE_TIME_FLOOR_MS)) return { at: new Date(readAtMs), untrusted: "tooOld" };
  if (ms > readAtMs + toleranceMs) return { at: new Date(readAtMs), untrusted: "ahead" };
  return { at: new Date(ms) };
}
