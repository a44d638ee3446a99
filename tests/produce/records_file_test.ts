import assert from "node:assert/strict";
import { parseRecords, readRecordsFile, RecordsFileError } from "../../lib/produce/records_file.ts";

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
