import assert from "node:assert/strict";
import { BadLines, describeSkip, printable } from "../../lib/produce/bad_lines.ts";

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
