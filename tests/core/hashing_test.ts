import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { contentHash, keyedHash } from "../../lib/core/hashing.ts";
import type { Sale } from "../../lib/core/sale.ts";

Deno.test("keyedHash() is HMAC-SHA256 for short and long secrets", () => {
  for (const secret of ["0123456789abcdef", "s".repeat(64), "long-".repeat(30)]) {
    for (const text of ["card:4111111111111111", "", "é✓"]) {
      assert.equal(
        keyedHash(text, secret),
        createHmac("sha256", secret).update(text).digest("hex"),
      );
    }
  }
});

Deno.test("contentHash() is SHA-256 of the sale's JSON with the fingerprint for the card", () => {
  const sale = {
    saleId: "s-1",
    firstName: "Zoë",
    cardNumber: "4111111111111111",
  } as unknown as Sale;
  const expected = createHash("sha256")
    .update(JSON.stringify({ ...sale, cardNumber: "ab".repeat(32) })).digest("hex");
  assert.equal(contentHash(sale, "ab".repeat(32)), expected);
});
