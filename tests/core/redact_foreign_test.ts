import assert from "node:assert/strict";
import { maskCardNumbersInPlace, printable } from "../../lib/core/redact.ts";

const HOSTILE = "<script>alert(1)</script> 4111 1111 1111 1111 \u001b[31m";

Deno.test("foreign text is shown as one line of printable ASCII, card numbers masked", () => {
  assert.equal(
    printable(`${HOSTILE}\n\\ é`),
    "<script>alert(1)</script> ************1111 \\u{1b}[31m\\u{a}\\\\ \\u{e9}",
  );
  assert.equal(printable("x".repeat(300), 10), "xxxxxxxxxx...");
  const bytes = new TextEncoder().encode("\u0000card 4111-1111-1111-1111 and 123 ok\u00ff");
  assert.equal(maskCardNumbersInPlace(bytes), 1);
  assert.equal(new TextDecoder().decode(bytes), "\u0000card ****-****-****-1111 and 123 ok\u00ff");
});
