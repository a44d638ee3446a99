import assert from "node:assert/strict";
import { MAX_MESSAGE_BYTES } from "../../lib/core/decode.ts";
import { checkEntry } from "../../lib/produce/produce_records.ts";
import { sampleRecords } from "../support/fixtures.ts";

/** A copy of the record whose JSON value is exactly `bytes` long, padded with `pad`. */
function sized(record: object, bytes: number, pad = "x") {
  const base = new TextEncoder().encode(JSON.stringify({ ...record, notes: "" })).byteLength;
  const padBytes = new TextEncoder().encode(pad).byteLength;
  const n = Math.floor((bytes - base) / padBytes);
  return { ...record, notes: pad.repeat(n) + "x".repeat(bytes - base - n * padBytes) };
}

Deno.test("checkEntry() passes a valid record on with its line and its JSON value", () => {
  const [record] = sampleRecords(1, 81);
  assert.deepEqual(checkEntry({ line: 7, record }), {
    line: 7,
    record,
    value: JSON.stringify(record),
  });
});

Deno.test("checkEntry() skips an unreadable line, an invalid record and one over the consumer's limit, saying why", () => {
  const [a, b] = sampleRecords(2, 82);
  assert.deepEqual(checkEntry({ line: 3, error: "not JSON (oops)" }), {
    line: 3,
    reason: "not JSON (oops)",
  });
  const negative = checkEntry({ line: 4, record: { ...a, sale_price: -3 } });
  assert.equal("reason" in negative && negative.saleId, a!.sale_id);
  assert.match("reason" in negative ? negative.reason : "", /^invalid_field: sale_price: negative/);
  const list = checkEntry({ line: 5, record: [a] });
  assert.deepEqual(list, {
    line: 5,
    saleId: undefined,
    reason: "not_object: expected a JSON object with the sale's fields, got an array",
  });
  // The limit is in bytes of UTF-8: exactly at it is sent, one byte more is not.
  const atLimit = sized(a!, MAX_MESSAGE_BYTES);
  assert.equal(new TextEncoder().encode(JSON.stringify(atLimit)).byteLength, MAX_MESSAGE_BYTES);
  assert.ok("value" in checkEntry({ line: 6, record: atLimit }));
  for (const pad of ["x", "é", "😀"]) {
    const over = sized(b!, MAX_MESSAGE_BYTES + 1, pad);
    assert.deepEqual(checkEntry({ line: 8, record: over }), {
      line: 8,
      saleId: b!.sale_id,
      reason: `oversized: message is ${
        MAX_MESSAGE_BYTES + 1
      } bytes; the limit is ${MAX_MESSAGE_BYTES}`,
    }, pad);
  }
});
