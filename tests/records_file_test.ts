import assert from "node:assert/strict";
import { parseRecords, RecordsFileError } from "../lib/produce/records_file.ts";
import { parseDelay } from "../lib/produce/delay.ts";

Deno.test("parseRecords() reads a JSON array and gives each record the line it starts on", () => {
  const entries = parseRecords('[\n {"sale_id": "a", "x": "[,]"},\n\n {"sale_id": "b"}\n]');
  assert.deepEqual(entries, [
    { line: 2, record: { sale_id: "a", x: "[,]" } },
    { line: 4, record: { sale_id: "b" } },
  ]);
});

Deno.test("parseRecords() reads NDJSON and reports a bad line without losing the others", () => {
  const entries = parseRecords('{"sale_id": "a"}\n{oops\n\n{"sale_id": "c"}\n');
  assert.equal(entries.length, 3);
  assert.deepEqual(entries[0], { line: 1, record: { sale_id: "a" } });
  assert.equal(entries[1]!.line, 2);
  assert.ok("error" in entries[1]! && /not JSON/.test(entries[1].error));
  assert.deepEqual(entries[2], { line: 4, record: { sale_id: "c" } });
});

Deno.test("parseRecords() names the problem when a JSON array is broken", () => {
  assert.throws(() => parseRecords('[{"sale_id": 1},', "sales.json"), RecordsFileError);
  assert.deepEqual(parseRecords("  \n"), []);
});

Deno.test("parseDelay() reads seconds as N or MIN-MAX", () => {
  assert.deepEqual(parseDelay("1-5"), [1000, 5000]);
  assert.deepEqual(parseDelay("0"), [0, 0]);
  assert.deepEqual(parseDelay("0.5"), [500, 500]);
  assert.throws(() => parseDelay("5-1"), /MIN-MAX/);
  assert.throws(() => parseDelay("fast"), /MIN-MAX/);
});
