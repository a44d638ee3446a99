import assert from "node:assert/strict";
import { lines, runScript } from "../support/tasks.ts";

Deno.test("deno task bench --growth refuses a size list that is not whole numbers 0 to 1e9, exit 2, one line", async () => {
  const bad = [
    "",
    ",",
    "-1",
    "1e7",
    "0x10",
    "10,abc",
    "1.5",
    "2000000000",
    "99999999999999999999",
    "0,0",
    "１０",
    "0;rm -rf /",
    "$(touch /tmp/x)",
    "0,1,2,3,4,5,6,7,8,9,10",
    "9".repeat(5000),
  ];
  for (const value of bad) {
    const { code, stdout, stderr } = await runScript("scripts/bench.ts", [`--growth=${value}`]);
    const shown = JSON.stringify(value.slice(0, 40));
    assert.equal(code, 2, shown);
    assert.equal(stdout, "", shown);
    const first = lines(stderr)[0] ?? "";
    assert.match(first, /^error: --growth (takes|names)/, shown);
    assert.ok(first.length < 200, `${shown}: the error line is ${first.length} characters`);
    assert.match(stderr, /Usage: deno task bench/, shown);
    assert.doesNotMatch(stderr, /\n\s+at /, `${shown}: no stack trace`);
  }
});

Deno.test("deno task bench --help describes --growth and the settings it reads", async () => {
  const { code, stdout } = await runScript("scripts/bench.ts", ["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /--growth A,B,\.\.\./);
  assert.match(stdout, /DATABASE_URL/);
});
