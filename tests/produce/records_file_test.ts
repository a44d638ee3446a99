import assert from "node:assert/strict";
import { parseRecords, readRecordsFile, RecordsFileError } from "../../lib/produce/records_file.ts";
import { parseDelay } from "../../lib/produce/delay.ts";
import { BadLines, describeSkip, printable } from "../../lib/produce/bad_lines.ts";

/** Reads bytes through readRecordsFile from a temporary file. */
async function readBytes(bytes: number[]) {
  const file = await Deno.makeTempFile();
  try {
    await Deno.writeFile(file, new Uint8Array(bytes));
    return await readRecordsFile(file);
  } finally {
    await Deno.remove(file);
  }
}

const ascii = (text: string) => [...new TextEncoder().encode(text)];

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

Deno.test("readRecordsFile() reports an NDJSON line that is not UTF-8 instead of reading it with replacement characters", async () => {
  // Line 2 is "José" in Latin-1: valid JSON once decoded loosely, but not UTF-8.
  const entries = await readBytes([
    ...ascii('{"sale_id": "a"}\n{"name": "Jos'),
    0xe9,
    ...ascii('"}\n\n{"sale_id": "c"}'),
  ]);
  assert.deepEqual(entries, [
    { line: 1, record: { sale_id: "a" } },
    { line: 2, error: "not UTF-8" },
    { line: 4, record: { sale_id: "c" } },
  ]);
  await assert.rejects(
    () => readBytes([...ascii('[{"name": "Jos'), 0xe9, ...ascii('"}]')]),
    /starts with "\[" but is not valid UTF-8 \(line 1\)/,
  );
});

Deno.test("printable() escapes control characters and cuts long text with an ellipsis", () => {
  assert.equal(
    printable("a\x1b[2Jb\x07\r\n\x00\x7f\x9b\u202e!"),
    "a\\x1b[2Jb\\x07\\x0d\\x0a\\x00\\x7f\\x9b\\u202e!",
  );
  assert.equal(printable("é ✓ 𝄞"), "é ✓ 𝄞");
  assert.equal(printable("x".repeat(10), 10), "x".repeat(10));
  assert.equal(printable("x".repeat(11), 10), `${"x".repeat(9)}…`);
  // An escape is never cut in half.
  assert.equal(printable(`${"x".repeat(7)}\x1b`, 10), `${"x".repeat(7)}…`);
  assert.equal(printable("y".repeat(1_000_000)).length, 200);
});

Deno.test("BadLines shows the first skips one per line, then only their count", () => {
  const out: string[] = [];
  const bad = new BadLines((line) => out.push(line), 2);
  for (let line = 1; line <= 5; line++) bad.add({ line, reason: "not JSON" });
  bad.finish();
  assert.deepEqual(out, [
    "skipped line 1: not JSON",
    "skipped line 2: not JSON",
    "... and 3 more bad lines",
  ]);
  assert.equal(bad.count, 5);
  assert.equal(
    describeSkip({ line: 4, saleId: "id\x1b]0;title\x07", reason: "invalid_field: email: bad" }),
    "skipped line 4 (sale_id id\\x1b]0;title\\x07): invalid_field: email: bad",
  );
});
