import assert from "node:assert/strict";
import { connect, maintenanceUrl } from "../../lib/infra/db.ts";
import { config, testKafka } from "../support/services.ts";

const BENCH = new URL("../../scripts/bench.ts", import.meta.url).pathname;

/** The figures issue 5 asks the last line to carry. */
const KEYS = [
  "consumer_rps",
  "copy_rps",
  "baseline_rps",
  "producer_rps",
  "ratio_vs_copy",
  "ratio_vs_baseline",
  "dash_p99_ms_10k",
  "dash_p99_ms_1m",
  "naive_p99_ms_1m",
  "consumer_peak_rss_mb",
  "n",
];

Deno.test({
  name:
    "deno task bench --n 2000 --dash-sizes 1000 ends with every figure as JSON and leaves nothing behind",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", BENCH, "--n", "2000", "--dash-sizes", "1000", "--dash-seconds", "2"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `bench failed:\n${stderr.slice(-3000)}`);
    const last = stdout.trimEnd().split("\n").at(-1) ?? "";
    const figures = JSON.parse(last) as Record<string, unknown>;
    for (const key of KEYS) {
      assert.ok(
        typeof figures[key] === "number" && Number.isFinite(figures[key]),
        `${key} is ${JSON.stringify(figures[key])}, not a finite number`,
      );
    }
    assert.equal(figures.n, 2000);
    assert.match(stdout, /\(a\) COPY/, "the table is printed before the JSON line");

    // Everything the run made is gone: its databases and its topics.
    const prefix = `bench_${figures.run_id}_`;
    const admin = connect(maintenanceUrl(config.databaseUrl), { max: 1 });
    const kafkaAdmin = testKafka("bench-smoke-check").admin();
    try {
      const dbs =
        await admin`select datname from pg_database where starts_with(datname, ${prefix})`;
      assert.deepEqual(dbs.map((r) => r.datname), []);
      await kafkaAdmin.connect();
      const topics = (await kafkaAdmin.listTopics()).filter((t) => t.startsWith(prefix));
      assert.deepEqual(topics, []);
    } finally {
      await kafkaAdmin.disconnect();
      await admin.end({ timeout: 5 });
    }
  },
});
