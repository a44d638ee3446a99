import assert from "node:assert/strict";
import { ROOT, runScript } from "../support/tasks.ts";

Deno.test("deno task reports --help lists every setting of the reports process, exit 0", async () => {
  const settings = await Deno.readTextFile(
    `${ROOT}streams/src/main/java/local/salesstream/reports/app/Settings.java`,
  );
  const names = [...settings.matchAll(/new Def\("([A-Z_]+)", "(--[a-z-]+)"/g)];
  assert.ok(names.length >= 20, `${names.length} settings found in Settings.java`);
  const { code, stdout } = await runScript("reports.ts", ["--help"]);
  assert.equal(code, 0, stdout);
  for (const [, env, flag] of names) {
    assert.match(stdout, new RegExp(`\\n  ${env} +${flag} +default `), env);
  }
  for (const what of ["REPORTS_GROUP", "REPORTS_INSTANCES", "REPORTS_MEMORY_MB"]) {
    assert.ok(names.some(([, env]) => env === what), `${what} is a setting`);
  }
  assert.match(stdout, /REPORTS_DEDUPE_DAYS +--dedupe-days +default 90\n.*counted again/);
  assert.match(stdout, /CARD_HASH_SECRET +\(environment only\)/);
  assert.ok(
    stdout.replace(/\s+/g, " ").includes(
      "REPORTS_INSTANCE_ID --instance-id this instance's id, unique and stable across restarts " +
        "(its static group membership) (default: `<host>-<n>`, the lowest n not running on this " +
        "machine)",
    ),
    "the launcher's defaults",
  );
});
