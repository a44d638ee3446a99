/** CSV as RFC 4180 writes it, with cells a spreadsheet could run as a formula neutralised. */
import assert from "node:assert/strict";
import { csvCell, toCsv } from "../../lib/core/csv.ts";

Deno.test("csvCell() quotes by RFC 4180 and neutralises what a spreadsheet would run as a formula", () => {
  assert.equal(csvCell("plain"), "plain");
  assert.equal(csvCell('say "hi", then go'), '"say ""hi"", then go"');
  assert.equal(csvCell("two\r\nlines"), '"two\r\nlines"');
  assert.equal(csvCell(null), "");
  assert.equal(csvCell(12), "12");
  for (const start of ["=", "+", "-", "@", "\t", "\r"]) {
    assert.equal(csvCell(`${start}1+1`).replace(/^"/, "")[0], "'", `a cell starting with ${start}`);
  }
  assert.equal(csvCell('=HYPERLINK("http://x","y")'), '"\'=HYPERLINK(""http://x"",""y"")"');
  assert.equal(csvCell("-12.50"), "-12.50", "a negative amount stays a number");
  assert.equal(csvCell("-12.50x"), "'-12.50x");
  assert.equal(toCsv(["a", "b"], [["1", null], ["x,y", 2]]), 'a,b\r\n1,\r\n"x,y",2\r\n');
});
