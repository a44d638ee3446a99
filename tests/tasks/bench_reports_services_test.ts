/** `deno task bench:reports` (scripts/bench_reports.ts) on real Kafka and PostgreSQL: its JSON line and its clean-up. */
import assert from "node:assert/strict";
import { connect, maintenanceUrl } from "../../lib/infra/db.ts";
import { config, testKafka } from "../support/services.ts";
import { runScript } from "../support/tasks.ts";

const KAFKA_TEST = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name:
    "deno task bench:reports --n 2000 ends with both times, their ratio, CPU per sale, peak RSS and load as JSON, reports equal to PostgreSQL, and leaves nothing behind",
  ...KAFKA_TEST,
  fn: async () => {
    const out = await runScript("scripts/bench_reports.ts", ["--n", "2000", "--seed", "5"]);
    assert.equal(out.code, 0, `bench:reports failed:\n${out.stderr.slice(-3000)}`);
    const figures = JSON.parse(out.stdout.trimEnd().split("\n").at(-1) ?? "") as Record<
      string,
      unknown
    >;
    for (
      const key of [
        "consumer_s",
        "reports_s",
        "ratio",
        "reports_cpu_us_per_sale",
        "reports_restart_s",
      ]
    ) {
      const value = figures[key];
      assert.ok(typeof value === "number" && value > 0, `${key} is ${JSON.stringify(value)}`);
    }
    // the ratio of the unrounded times (rounded to 0.001): inside what the times rounded to 0.01 s
    // allow, however short the consumer's time (0.44 s may be 0.435 s: 1.1% of the ratio)
    const reportsS = figures.reports_s as number, consumerS = figures.consumer_s as number;
    const lowest = (reportsS - 0.005) / (consumerS + 0.005) - 0.0005;
    const highest = (reportsS + 0.005) / (consumerS - 0.005) + 0.0005;
    const ratio = figures.ratio as number;
    assert.ok(
      ratio >= lowest && ratio <= highest,
      `ratio ${ratio} outside ${lowest}..${highest} (${reportsS} s / ${consumerS} s)`,
    );
    const rss = figures.reports_peak_rss_mb as number;
    assert.ok(rss > 50 && rss < 600, `peak RSS ${rss} MB`);
    const load = figures.load_average as number[];
    assert.equal(load.length, 3);
    assert.ok(load.every((l) => Number.isFinite(l) && l >= 0), `load ${load}`);
    assert.equal(figures.n, 2000);
    assert.equal(figures.reports_exact, true);
    // every category, state, city and card row, the total and every customer were compared
    assert.ok((figures.report_rows_checked as number) > 500, `${figures.report_rows_checked}`);
    assert.match(out.stderr, /every one of [\d,]+ report rows equals PostgreSQL/);

    // Everything the run made is gone: its database, topics and consumer groups.
    const prefix = `bench_${figures.run_id}_`;
    const admin = connect(maintenanceUrl(config.databaseUrl), { max: 1 });
    const kafkaAdmin = testKafka("bench-reports-check").admin();
    try {
      const dbs =
        await admin`select datname from pg_database where starts_with(datname, ${prefix})`;
      assert.deepEqual(dbs.map((r) => r.datname), []);
      await kafkaAdmin.connect();
      const topics = (await kafkaAdmin.listTopics()).filter((t) => t.startsWith(prefix));
      assert.deepEqual(topics, []);
      const groups = (await kafkaAdmin.listGroups()).groups.map((g) => g.groupId)
        .filter((g) => g.startsWith(prefix));
      assert.deepEqual(groups, []);
    } finally {
      await kafkaAdmin.disconnect();
      await admin.end({ timeout: 5 });
    }
  },
});
