import assert from "node:assert/strict";
import { maskEmail } from "../../lib/core/redact.ts";

Deno.test("maskEmail() keeps the first letter and the domain", () => {
  assert.equal(maskEmail("ada@example.com"), "a***@example.com");
  assert.equal(maskEmail("nope"), "***");
});
