import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { contentHash, keyedHash } from "../../lib/core/hashing.ts";
import { HmacSha256 } from "../../lib/core/sha256.ts";
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

Deno.test("HmacSha256 equals node:crypto at every length across block edges", () => {
  const hmac = new HmacSha256("a secret ✓");
  for (let n = 0; n < 300; n++) {
    const text = "x".repeat(n) + (n % 3 === 0 ? "é" : "") + (n % 7 === 0 ? "😀" : "");
    assert.equal(hmac.hex(text), createHmac("sha256", "a secret ✓").update(text).digest("hex"));
  }
  const long = JSON.stringify({ text: "ü".repeat(40_000) });
  assert.equal(hmac.hex(long), createHmac("sha256", "a secret ✓").update(long).digest("hex"));
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
