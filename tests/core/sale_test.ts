import assert from "node:assert/strict";
import { parseExpiry, toCents } from "../../lib/core/sale.ts";

Deno.test("toCents() is exact for decimal strings and two-decimal numbers", () => {
  assert.equal(toCents("0.1"), 10);
  assert.equal(toCents(0.29), 29);
  assert.equal(toCents("999999999999.99"), 99999999999999);
  assert.equal(toCents(1.005), "has more than two decimals");
  assert.equal(toCents(Infinity), "not a finite number");
});

Deno.test("parseExpiry() reads MM/YY, MM/YYYY and YYYY-MM", () => {
  assert.deepEqual(parseExpiry("3/27"), { month: 3, year: 2027 });
  assert.deepEqual(parseExpiry("12/2031"), { month: 12, year: 2031 });
  assert.deepEqual(parseExpiry("2030-01"), { month: 1, year: 2030 });
  assert.equal(parseExpiry("00/27"), undefined);
});
