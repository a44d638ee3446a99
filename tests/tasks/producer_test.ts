import assert from "node:assert/strict";
import { sampleRecords } from "../support/fixtures.ts";
import { produceFile, runScript, withFile } from "../support/tasks.ts";

Deno.test({
  name: "produce says in one line that Kafka is unreachable within the timeout, exit 1",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const records = sampleRecords(2, 63);
    await withFile(records.map((r) => JSON.stringify(r)), async (file) => {
      const run = async (args: string[], env: Record<string, string>) => {
        const started = performance.now();
        const out = await produceFile(file, "sales_unreachable", [
          "--brokers",
          "127.0.0.1:1",
          ...args,
        ], env);
        return { ...out, seconds: (performance.now() - started) / 1000 };
      };
      // The default (10 s), the flag and the environment variable, side by side.
      const [byDefault, byFlag, byEnv] = await Promise.all([
        run([], {}),
        run(["--timeout", "2"], { KAFKA_CONNECT_TIMEOUT: "30" }),
        run([], { KAFKA_CONNECT_TIMEOUT: "1.5" }),
      ]);
      for (
        const [out, shown, low, high] of [
          [byDefault, "10", 10, 16],
          [byFlag, "2", 2, 8],
          [byEnv, "1.5", 1.5, 7.5],
        ] as const
      ) {
        assert.equal(
          out.stderr,
          `error: Kafka at 127.0.0.1:1 did not answer within ${shown} s; start it with ` +
            "`deno task up`, check KAFKA_BROKERS (--brokers), or wait longer with --timeout; " +
            "nothing was sent\n",
        );
        assert.equal(out.stdout, "");
        assert.equal(out.code, 1);
        assert.ok(
          out.seconds >= low && out.seconds < high,
          `${shown} s timeout took ${out.seconds} s`,
        );
      }
    });
  },
});

Deno.test("produce --out writes only the valid records and counts the skipped lines, exit 3", async () => {
  const [a] = sampleRecords(1, 65);
  const out = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await withFile(
      [JSON.stringify(a), "{oops", JSON.stringify({ ...a, email: "nope" })],
      async (file) => {
        const { code, stdout, stderr } = await runScript("producer.ts", [
          "--source",
          file,
          "--out",
          out,
        ]);
        assert.equal(stdout, `wrote 1 records to ${out}, skipped 2 bad\n`);
        assert.match(
          stderr,
          /^skipped line 2: not JSON .*\nskipped line 3 \(sale_id [^)]+\): invalid_field: email: /,
        );
        assert.equal(code, 3);
        assert.deepEqual(JSON.parse(await Deno.readTextFile(out)), [a]);
      },
    );
  } finally {
    await Deno.remove(out);
  }
});
