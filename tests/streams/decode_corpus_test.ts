/**
 * The Java reports process decodes sales by the same rules as lib/core/decode.ts: the corpus of
 * streams/tools/decode_corpus.ts (what decode() says about 3,164 message values) is written here
 * and checked by the Java decoder, line by line, with DecodeCorpusCheck: a test tool of the module
 * (streams/src/test/java/.../decode/), run from its compiled test classes beside the jar.
 */
import assert from "node:assert/strict";
import { run } from "../../lib/infra/process.ts";
import { ensureReportsBuilt, STREAMS_DIR } from "../../lib/reports/launch.ts";
import { writeCorpus } from "../../streams/tools/decode_corpus.ts";

/** Where Maven compiles the module's test classes, DecodeCorpusCheck among them. */
const TEST_CLASSES = `${STREAMS_DIR}target/test-classes/`;
const CHECK = "local.salesstream.reports.decode.DecodeCorpusCheck";

/** Runs the Java check on a corpus file: the test classes first, then the jar and its lib/. */
function javaCheck(file: string) {
  return run("java", [
    "-cp",
    `${TEST_CLASSES}:${STREAMS_DIR}target/sales-reports.jar`,
    CHECK,
    file,
  ]);
}

Deno.test("the Java decoder agrees with decode() on every line of the generated corpus", async () => {
  // A tested build compiles the test classes from the current sources (a no-op in deno task test,
  // which has just made one).
  await ensureReportsBuilt({ withTests: true });
  const compiled = `${TEST_CLASSES}${CHECK.replaceAll(".", "/")}.class`;
  assert.ok(
    await Deno.stat(compiled).then((info) => info.isFile, () => false),
    `${compiled} is missing after a tested build of streams/: the corpus cannot be checked`,
  );
  const dir = await Deno.makeTempDir({ prefix: "decode-corpus-" });
  try {
    const file = `${dir}/decode-corpus.ndjson`;
    const counts = await writeCorpus(file);
    const lines = Object.values(counts).reduce((a, b) => a + b, 0);
    assert.deepEqual(
      Object.keys(counts).sort(),
      ["empty", "invalid_field", "not_json", "not_object", "not_utf8", "ok", "oversized"],
      "every verdict decode() has is in the corpus",
    );
    assert.ok(counts.ok! > 1000, `${counts.ok} valid sales`);
    const out = await javaCheck(file);
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.equal(out.stdout.trim(), `${lines} lines agree (${counts.ok} valid sales)`);

    // The check is not vacuous: a wrong verdict and a wrong content hash are both caught.
    const rows = (await Deno.readTextFile(file)).split("\n").slice(0, 40);
    const sale = rows.findIndex((r) => r.includes('"expect":"ok"'));
    rows[sale] = rows[sale]!.replace('"expect":"ok"', '"expect":"invalid_field"');
    const other = rows.findIndex((r, i) => i > sale && r.includes('"content_hash":"'));
    rows[other] = rows[other]!.replace(/"content_hash":"[0-9a-f]/, '"content_hash":"x');
    await Deno.writeTextFile(file, rows.join("\n") + "\n");
    const wrong = await javaCheck(file);
    assert.equal(wrong.code, 1, wrong.stdout + wrong.stderr);
    assert.match(
      wrong.stdout,
      new RegExp(`line ${sale + 1}: expected invalid_field, Java says ok`),
    );
    assert.match(wrong.stdout, new RegExp(`line ${other + 1}: content hash`));
    assert.match(wrong.stdout, /2 of 40 lines disagree/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
