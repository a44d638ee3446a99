import assert from "node:assert/strict";
import { brokerAnswers } from "../../lib/infra/kafka.ts";
import { config } from "../support/services.ts";
import { runScript } from "../support/tasks.ts";

Deno.test("a bad --concurrency or --only is refused with a sentence and exit 2, nothing stopped", async () => {
  const concurrency = await runScript("consumer.ts", ["--concurrency", "many"]);
  assert.equal(concurrency.code, 2);
  assert.match(concurrency.stderr, /^error: --concurrency must be a whole number above 0/);
  assert.doesNotMatch(concurrency.stderr, /\n\s+at /, "no stack trace");
  for (const script of ["scripts/down.ts", "scripts/up.ts"]) {
    const typo = await runScript(script, ["--only", "kafak"]);
    assert.equal(typo.code, 2, script);
    assert.match(typo.stderr, /--only takes kafka or postgres, got "kafak"/, script);
    assert.equal(typo.stdout, "", `${script} did nothing`);
  }
  assert.ok(await brokerAnswers(config.kafkaBrokers), "the broker still runs");
});
