import assert from "node:assert/strict";
import { runScript } from "../support/tasks.ts";

const ENTRYPOINTS = [
  "producer.ts",
  "consumer.ts",
  "main.ts",
  "scripts/up.ts",
  "scripts/down.ts",
  "scripts/demo.ts",
  "scripts/test.ts",
  "scripts/verify.ts",
  "scripts/rebuild.ts",
  "scripts/bench.ts",
  "scripts/bench_write.ts",
  "scripts/unstick.ts",
  "reports.ts",
];

Deno.test("every task answers --help with its usage and its settings, exit 0", async () => {
  for (const script of ENTRYPOINTS) {
    const { code, stdout } = await runScript(script, ["--help"]);
    assert.equal(code, 0, script);
    assert.match(stdout, /^Usage: deno task /, script);
    // Which settings each lists, exactly: tests/infra/settings_test.ts.
    assert.match(
      stdout,
      /\n\nSettings \(an environment variable, or its flag, which wins;/,
      script,
    );
    assert.match(stdout, /\n {2}DATABASE_URL {2,}|\n {2}KAFKA_BROKERS {2,}/, script);
  }
});

Deno.test("an unknown flag or a bad setting is refused with a sentence and exit 2", async () => {
  const unknown = await runScript("producer.ts", ["--sauce"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--sauce/);
  const badDelay = await runScript("producer.ts", ["--delay", "soon"]);
  assert.equal(badDelay.code, 2);
  assert.match(badDelay.stderr, /--delay takes seconds/);
  const badBrokers = await runScript("consumer.ts", [], { KAFKA_BROKERS: "nohost" });
  assert.equal(badBrokers.code, 2);
  assert.match(badBrokers.stderr, /KAFKA_BROKERS has "nohost"/);
  const missing = await runScript("producer.ts", ["--source", "/nonexistent/sales.json"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Cannot read \/nonexistent\/sales.json/);
  const reports = await runScript("reports.ts", ["--memory-mb", "lots"]);
  assert.equal(reports.code, 2);
  assert.match(
    reports.stderr,
    /sales-reports: REPORTS_MEMORY_MB must be a whole number, got "lots"/,
  );
});
