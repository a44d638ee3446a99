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

Deno.test({
  name:
    "deno task bench --growth 0,3000 reports ingest, CPU, dashboard p99 per selection and bytes per sale by stored size",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        BENCH,
        "--n",
        "1000",
        "--baseline-n",
        "100",
        "--dash-sizes",
        "500",
        "--dash-seconds",
        "1",
        "--clients",
        "5",
        "--growth",
        "3000,0",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `bench failed:\n${stderr.slice(-3000)}`);
    const figures = JSON.parse(stdout.trimEnd().split("\n").at(-1) ?? "") as Record<
      string,
      Record<string, unknown>
    >;
    assert.ok(typeof figures.dash_p99_ms_10k === "number");
    for (const key of ["ingest_rps_at", "cpu_us_per_sale_at", "bytes_per_sale_at"]) {
      assert.deepEqual(Object.keys(figures[key]!), ["0", "3000"], key);
      for (const value of Object.values(figures[key]!)) {
        assert.ok(typeof value === "number" && value > 0, `${key}: ${value}`);
      }
    }
    for (const size of ["0", "3000"]) {
      const dash = figures.dash_p99_ms_at![size] as Record<string, number>;
      assert.deepEqual(Object.keys(dash), ["all", "1h", "state", "1h+state"]);
      for (const p99 of Object.values(dash)) assert.ok(p99 > 0);
      // Read from the dashboard's own counter: no snapshot load fails on so few sales.
      assert.deepEqual(figures.dash_failed_loads_at![size], {
        all: 0,
        "1h": 0,
        state: 0,
        "1h+state": 0,
      });
    }
    // The history and the fresh sales were both stored: 3,000 + 1,000 sales' worth of bytes.
    assert.ok((figures.bytes_per_sale_at!["3000"] as number) > 200);
    const admin = connect(maintenanceUrl(config.databaseUrl), { max: 1 });
    try {
      const prefix = `bench_${figures.run_id}_`;
      const dbs =
        await admin`select datname from pg_database where starts_with(datname, ${prefix})`;
      assert.deepEqual(dbs.map((r) => r.datname), []);
    } finally {
      await admin.end({ timeout: 5 });
    }
  },
});
