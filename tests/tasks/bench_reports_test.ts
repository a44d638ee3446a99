/** `deno task bench:reports` (scripts/bench_reports.ts): its flags, refused before any work. */
import assert from "node:assert/strict";
import { runScript } from "../support/tasks.ts";

Deno.test("deno task bench:reports refuses bad flags in one line with exit 2, before any work", async () => {
  const cases: [string[], RegExp][] = [
    [["--n", "0"], /--n must be a whole number above 0, got "0"/],
    [["--n", "many"], /--n must be a whole number above 0, got "many"/],
    [["--n", "1.5"], /--n must be a whole number above 0, got "1.5"/],
    [["--n=-5"], /--n must be a whole number above 0, got "-5"/],
    [["--n", "-5"], /error: Option '--n' argument is ambiguous/],
    [["--seed", "x"], /--seed must be a whole number above 0, got "x"/],
    [["--partitions", "2.5"], /--partitions must be a whole number above 0, got "2.5"/],
    [["--jfr", "out.txt"], /--jfr must be a file name ending in \.jfr/],
    [["--jfr", "a b.jfr"], /--jfr must be a file name ending in \.jfr/],
    [["--jfr", "x.jfr,settings=/etc/passwd"], /--jfr must be a file name ending in \.jfr/],
    [["--jfr", "$(touch pwned).jfr"], /--jfr must be a file name ending in \.jfr/],
    [["--bogus"], /error: /],
  ];
  for (const [args, message] of cases) {
    const out = await runScript("scripts/bench_reports.ts", args);
    assert.equal(out.code, 2, `${args.join(" ")}: ${out.stderr}`);
    assert.match(out.stderr.split("\n")[0]!, message, args.join(" "));
    assert.equal(out.stdout, "", `${args.join(" ")} printed no figures`);
  }
  const help = await runScript("scripts/bench_reports.ts", ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: deno task bench:reports/);
});
