/**
 * Test fixtures that need no service: names, generated and checked sales, a batch for
 * writeBatch(), free ports, waiting for a condition.
 */
import { validate } from "../../lib/core/decode.ts";
import type { Sale, SaleRecord } from "../../lib/core/sale.ts";
import { generateSales } from "../../lib/produce/generate.ts";
import type { BatchInput } from "../../lib/store/write_batch.ts";

/** A short random suffix for per-test names. */
export function uniqueSuffix(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 10);
}

/** N generated sales records (deterministic for a seed). */
export function sampleRecords(n: number, seed = 7): SaleRecord[] {
  return [...generateSales(n, seed)];
}

/** The records checked by decode's rules, as the consumer gets them; throws on an invalid one. */
export function validSales(records: unknown[]): Sale[] {
  return records.map((r) => {
    const v = validate(r);
    if (!v.ok) throw new Error(v.message);
    return v.sale;
  });
}

/**
 * The sales as one batch of partition 0 of group "g" and topic "t" for writeBatch(), at offsets
 * from `first`, sold within three minutes of 2026-11-26 12:00 UTC.
 */
export function partitionBatch(list: Sale[], expectedOffset: string | null, first = 0): BatchInput {
  return {
    groupId: "g",
    topic: "t",
    partition: 0,
    expectedOffset,
    nextOffset: String(first + list.length),
    rejected: 0,
    sales: list.map((sale, i) => ({
      sale,
      offset: String(first + i),
      soldAt: new Date(Date.UTC(2026, 10, 26, 12, i % 3)),
    })),
  };
}

/** Card companies of `largeSales()`, the first with the longest name a legend has to show. */
export const LONG_CARD_NAMES = [
  "Diners Club / Carte Blanche",
  "Visa",
  "Mastercard",
  "American Express",
  "Discover",
  "JCB",
];

/**
 * Six sales whose totals reach the largest KPI values the tiles are made for: one at
 * $999,999,999.99 (cost $0.01), five at $0.00, one per card company of LONG_CARD_NAMES, in a
 * category with a long name.
 */
export function largeSales(prefix: string): SaleRecord[] {
  return sampleRecords(LONG_CARD_NAMES.length, 5).map((r, i) => ({
    ...r,
    sale_id: `${prefix}-${i}`,
    credit_card_company: LONG_CARD_NAMES[i]!,
    category: i % 2 ? "Home & Kitchen Appliances" : "Electronics",
    sale_price: i === 0 ? "999999999.99" : "0.00",
    cost_price: i === 0 ? "0.01" : "0.00",
  }));
}

/** Polls `check` until it returns true or the timeout passes; fails with `what` on timeout. */
export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** A port nobody listens on right now. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}
