import assert from "node:assert/strict";
import { parseDelay } from "../../lib/produce/delay.ts";

Deno.test("parseDelay() reads seconds as N or MIN-MAX", () => {
  assert.deepEqual(parseDelay("1-5"), [1000, 5000]);
  assert.deepEqual(parseDelay("0"), [0, 0]);
  assert.deepEqual(parseDelay("0.5"), [500, 500]);
  assert.throws(() => parseDelay("5-1"), /MIN-MAX/);
  assert.throws(() => parseDelay("fast"), /MIN-MAX/);
});
