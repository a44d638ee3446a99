import assert from "node:assert/strict";
import { runScript } from "../support/tasks.ts";

Deno.test("deno task bench:write refuses a count that is not a whole number above 0, exit 2", async () => {
  for (const args of [["--n", "0"], ["--batch", "many"], ["--writers", "1,-2"]]) {
    const { code, stderr } = await runScript("scripts/bench_write.ts", args);
    assert.equal(code, 2, args.join(" "));
    assert.match(stderr, new RegExp(`${args[0]} must be a whole number above 0`), args.join(" "));
    assert.match(stderr, /Usage: deno task bench:write/);
  }
});
