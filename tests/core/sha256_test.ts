import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { HmacSha256 } from "../../lib/core/sha256.ts";

Deno.test("HmacSha256 equals node:crypto at every length across block edges", () => {
  const hmac = new HmacSha256("a secret ✓");
  for (let n = 0; n < 300; n++) {
    const text = "x".repeat(n) + (n % 3 === 0 ? "é" : "") + (n % 7 === 0 ? "😀" : "");
    assert.equal(hmac.hex(text), createHmac("sha256", "a secret ✓").update(text).digest("hex"));
  }
  const long = JSON.stringify({ text: "ü".repeat(40_000) });
  assert.equal(hmac.hex(long), createHmac("sha256", "a secret ✓").update(long).digest("hex"));
});
