/**
 * The three processes under a real Prometheus (Debian's `prometheus`, on a port of its own, with
 * the project's rules): every target is up (the dashboard's /metrics behind its token, sent by
 * Prometheus' authorization block), the consumer's inserted counter equals the rows stored, its
 * lag reaches 0, and its /readyz turns 503 while its PostgreSQL (one this test started) is down
 * and 200 once it is back.
 */
import assert from "node:assert/strict";
import { produceRecords } from "../../lib/produce/produce_records.ts";
import { ConsumerProcess } from "../support/faults.ts";
import { freePort, sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { get } from "../support/metrics.ts";
import { OwnPostgres } from "../support/own_postgres.ts";
import { spawnTestReports, type TestReports } from "../support/reports_process.ts";
import { createTestTopic, testKafka } from "../support/services.ts";
import { ROOT } from "../support/tasks.ts";

const RULES = new URL("../../ops/prometheus/rules.yml", import.meta.url).pathname;
const SALES = 300;

/** One instant query through Prometheus' HTTP API: the samples' labels and values. */
async function query(base: string, promql: string) {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = await res.json() as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  assert.equal(body.status, "success", JSON.stringify(body));
  return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}

/** The one value of a query that answers one sample; undefined while it answers none. */
async function scalar(base: string, promql: string): Promise<number | undefined> {
  const result = await query(base, promql);
  return result.length === 1 ? result[0]!.value : undefined;
}

Deno.test({
  name:
    "a real Prometheus scrapes the consumer, the dashboard (with its token) and the reports process: all up, inserted = rows stored, lag 0, the consumer's /readyz 503 while its PostgreSQL is down and 200 once it is back",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "prometheus-test-" });
    const pg = await OwnPostgres.start();
    const topic = await createTestTopic(3);
    const group = `g-${uniqueSuffix()}`;
    const token = `token-${crypto.randomUUID()}`;
    await Deno.writeTextFile(`${dir}/token`, `${token}\n`, { mode: 0o600 });
    const ports = {
      consumer: freePort(),
      dashboard: freePort(),
      reports: freePort(),
      prometheus: freePort(),
    };
    let reports: TestReports | undefined;
    let dashboard: Deno.ChildProcess | undefined;
    let prometheus: Deno.ChildProcess | undefined;
    const consumer = new ConsumerProcess(pg.url, topic, group, "scraped", true, {
      env: { METRICS_PORT: String(ports.consumer) },
    });
    try {
      // The JVM starts slowest: first.
      reports = await spawnTestReports({
        topic,
        prefix: `${topic}_`,
        env: { REPORTS_METRICS_PORT: String(ports.reports) },
      });
      dashboard = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${ROOT}main.ts`],
        cwd: ROOT,
        env: {
          DATABASE_URL: pg.url,
          SALES_TOPIC: topic,
          CONSUMER_GROUP: group,
          REPORT_TOPIC_PREFIX: `${topic}_`,
          HOST: "127.0.0.1",
          PORT: String(ports.dashboard),
          DASHBOARD_TOKEN_FILE: `${dir}/token`,
        },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      await Deno.writeTextFile(
        `${dir}/prometheus.yml`,
        [
          "global: { scrape_interval: 1s, evaluation_interval: 1s }",
          `rule_files: ["${RULES}"]`,
          "scrape_configs:",
          `  - { job_name: sales-consumer, static_configs: [{ targets: ["127.0.0.1:${ports.consumer}"] }] }`,
          "  - job_name: sales-dashboard",
          `    authorization: { type: Bearer, credentials_file: "${dir}/token" }`,
          `    static_configs: [{ targets: ["127.0.0.1:${ports.dashboard}"] }]`,
          `  - { job_name: sales-reports, static_configs: [{ targets: ["127.0.0.1:${ports.reports}"] }] }`,
          "",
        ].join("\n"),
      );
      prometheus = new Deno.Command("prometheus", {
        args: [
          `--config.file=${dir}/prometheus.yml`,
          `--storage.tsdb.path=${dir}/data`,
          `--web.listen-address=127.0.0.1:${ports.prometheus}`,
          "--log.level=warn",
        ],
        cwd: dir,
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      const base = `http://127.0.0.1:${ports.prometheus}`;

      const records = sampleRecords(SALES, 71);
      const sent = await produceRecords(records.map((record, i) => ({ line: i + 1, record })), {
        kafka: testKafka(),
        topic,
        partitions: 3,
        delayMs: [0, 0],
      });
      assert.equal(sent.sent, SALES);

      const up = async () =>
        Object.fromEntries((await query(base, "up")).map((s) => [s.labels.job, s.value]));
      await waitFor(
        async () => {
          const targets = await up().catch(() => ({}));
          return Object.keys(targets).length === 3 && Object.values(targets).every((v) => v === 1);
        },
        "every target up",
        90_000,
      ).catch(async (error) => {
        throw new Error(
          `${error.message}: ${JSON.stringify(await up().catch(() => null))}\n${consumer.output}` +
            `\n${reports!.lines.slice(-10).join("\n")}`,
        );
      });
      assert.deepEqual(await up(), {
        "sales-consumer": 1,
        "sales-dashboard": 1,
        "sales-reports": 1,
      });

      // The inserted counter, as Prometheus has it, equals the rows PostgreSQL stores.
      let stored = 0;
      await waitFor(async () => {
        const [row] = await pg.sql`select count(*)::int as n from sales`;
        stored = row!.n as number;
        const inserted = await scalar(
          base,
          'sum(sales_consumer_messages_total{outcome="inserted"})',
        );
        return stored === SALES && inserted === stored;
      }, "sum(inserted) = count(*) from sales = the sales sent");
      await waitFor(
        async () =>
          (await query(base, "sales_consumer_lag_messages")).length === 3 &&
          await scalar(base, "max(sales_consumer_lag_messages)") === 0,
        "the consumer's lag to reach 0 on every partition",
      );
      assert.equal(await scalar(base, "sum(sales_consumer_stuck_partitions)"), 0);
      // The dashboard's requests are measured: Prometheus' own scrapes, by their route.
      await waitFor(
        async () =>
          (await scalar(
            base,
            'sum(http_server_request_duration_seconds_count{job="sales-dashboard",route="/metrics",status="200"})',
          ) ?? 0) > 0,
        "the dashboard's /metrics requests to be counted",
      );

      // Readiness follows the consumer's PostgreSQL.
      const readyz = `http://127.0.0.1:${ports.consumer}/readyz`;
      assert.equal((await get(readyz))?.status, 200);
      await pg.kill9();
      await waitFor(async () => (await get(readyz))?.status === 503, "/readyz 503", 15_000);
      const down = await get(readyz);
      assert.match(
        down!.body,
        /^\{"status":"not ready","reason":"PostgreSQL does not answer \([^"\n]+\)"\}\n$/,
      );
      // A server just killed may not start at the first try while its old processes wind down.
      for (let attempt = 1;; attempt++) {
        try {
          await pg.restart();
          break;
        } catch (error) {
          if (attempt === 3) throw error;
          await new Promise((r) => setTimeout(r, 2_000));
        }
      }
      await waitFor(async () => (await get(readyz))?.status === 200, "/readyz 200 again", 30_000);
      assert.equal((await consumer.stop("SIGTERM")).code, 0, consumer.output);
    } finally {
      await consumer.stop("SIGKILL");
      for (const child of [prometheus, dashboard]) {
        try {
          child?.kill("SIGTERM");
        } catch { /* gone */ }
        await child?.status;
      }
      if (reports) {
        await reports.stop();
        await Deno.remove(reports.stateDir, { recursive: true }).catch(() => {});
      }
      await pg.remove();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
