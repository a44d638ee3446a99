import assert from "node:assert/strict";
import { brokerAnswers } from "../lib/infra/kafka.ts";
import {
  config,
  createTestDatabase,
  createTestTopic,
  readAllMessages,
  sampleRecords,
} from "./helpers.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Runs a project script with Deno and returns its exit code and output. */
async function runScript(script: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}${script}`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

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
  "reports.ts",
];

Deno.test("every task answers --help with its usage and the shared settings, exit 0", async () => {
  for (const script of ENTRYPOINTS) {
    const { code, stdout } = await runScript(script, ["--help"]);
    assert.equal(code, 0, script);
    assert.match(stdout, /^Usage: deno task /, script);
    assert.match(stdout, /KAFKA_BROKERS/, script);
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
});

Deno.test("deno task bench:write refuses a count that is not a whole number above 0, exit 2", async () => {
  for (const args of [["--n", "0"], ["--batch", "many"], ["--writers", "1,-2"]]) {
    const { code, stderr } = await runScript("scripts/bench_write.ts", args);
    assert.equal(code, 2, args.join(" "));
    assert.match(stderr, new RegExp(`${args[0]} must be a whole number above 0`), args.join(" "));
    assert.match(stderr, /Usage: deno task bench:write/);
  }
});

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

Deno.test("a consumer that cannot log in as its role says so in one line, exit 1", async () => {
  const db = await createTestDatabase();
  try {
    const name = new URL(db.url).pathname.slice(1);
    await db.sql`revoke connect on database ${db.sql(name)} from public, sales_writer`;
    const { code, stderr } = await runScript("consumer.ts", ["--database-url", db.url]);
    assert.equal(code, 1);
    assert.match(stderr, /^Cannot start consumer: .*permission denied for database/);
    assert.equal(stderr.trim().split("\n").length, 1, `one line, no stack trace:\n${stderr}`);
  } finally {
    await db.close();
  }
});

Deno.test("the consumer says what to do when PostgreSQL does not answer, exit 1", async () => {
  const { code, stderr } = await runScript("consumer.ts", [
    "--database-url",
    "postgres://postgres@127.0.0.1:1/sales",
  ]);
  assert.equal(code, 1);
  assert.match(
    stderr,
    /Cannot start consumer: Cannot reach PostgreSQL at 127.0.0.1:1 .*deno task up/,
  );
});

Deno.test({
  name:
    "produce reports bad lines of an NDJSON file, never sends them, and logs a delivery report per sale",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const topic = await createTestTopic(2);
    const [a, b, c] = sampleRecords(3, 61);
    const file = await Deno.makeTempFile({ suffix: ".ndjson" });
    await Deno.writeTextFile(
      file,
      [
        JSON.stringify(a),
        "{not json",
        JSON.stringify(b),
        JSON.stringify({ ...c, sale_id: "bad-price", sale_price: -3 }),
        "",
        JSON.stringify(c),
      ].join("\n"),
    );
    try {
      const { code, stdout, stderr } = await runScript("producer.ts", [
        "--source",
        file,
        "--delay",
        "0",
        "--topic",
        topic,
        "--partitions",
        "2",
      ]);
      assert.equal(code, 0, stderr);
      assert.match(stderr, /skipped line 2: not JSON/);
      assert.match(stderr, /skipped line 4 \(sale_id bad-price\): sale_price: negative/);
      for (const r of [a, b, c]) {
        assert.match(
          stdout,
          new RegExp(`delivered sale_id ${r!.sale_id} to ${topic} \\[[01]\\] @ \\d+`),
        );
      }
      assert.match(stdout, /sent 3 to .*skipped 1 bad, failed 0/);
      const messages = await readAllMessages(topic);
      assert.deepEqual(
        messages.map((m) => m.key).sort(),
        [a, b, c].map((r) => String(r!.sale_id)).sort(),
      );
    } finally {
      await Deno.remove(file);
    }
  },
});
