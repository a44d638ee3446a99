import assert from "node:assert/strict";
import { runScript } from "../support/tasks.ts";

/** Runs `deno task unstick` with the arguments; its exit code and output. */
function unstick(args: string[]) {
  return runScript("scripts/unstick.ts", args, {}, "");
}

Deno.test("deno task unstick answers --help and refuses bad flags with exit 2", async () => {
  const help = await unstick(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: deno task unstick --partition P/);
  for (
    const [args, message] of [
      [["--partition", "one"], /^error: --partition must be a partition number/],
      [["--partition=-1"], /^error: --partition must be a partition number/],
      [["--partition", "1", "--force"], /^error: .*force/],
      [["--partition"], /^error: /],
    ] as const
  ) {
    const out = await unstick([...args]);
    assert.equal(out.code, 2, `${args.join(" ")}: ${out.stderr}`);
    assert.match(out.stderr, message);
  }
});
