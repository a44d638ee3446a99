/**
 * The reports process' operations side against the real broker: /metrics in the Prometheus text
 * format (checked by promtool) with Kafka Streams' own metrics and the project's counters equal to
 * what it processed, /readyz 503 before Kafka Streams runs and 200 after, /healthz 200, log lines
 * of one JSON object each; a busy REPORTS_METRICS_PORT stops it in one line, exit 2, before it
 * touches Kafka.
 */
import assert from "node:assert/strict";
import { Partitioners } from "kafkajs";
import { LOCAL_DIR } from "../../lib/infra/process.ts";
import { freePort, sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { spawnTestReports, type TestReports, waitForReports } from "../support/reports_process.ts";
import { config, createTestTopic, testKafka } from "../support/services.ts";
import { get, parseMetrics, promtoolCheck, type Sample, sum } from "../support/metrics.ts";
import { runScript } from "../support/tasks.ts";

const KAFKA_TEST = { sanitizeOps: false, sanitizeResources: false };

type Message = { key: string; value: string | null };

/** Sends raw messages to `topic`. */
async function send(topic: string, messages: Message[]) {
  const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, messages });
  await producer.disconnect();
}

Deno.test({
  name:
    "the reports process serves /metrics (promtool-clean, Kafka Streams' metrics, counters equal to what it processed), /readyz 503 before RUNNING and 200 after, /healthz 200, and logs one JSON object per line",
  ...KAFKA_TEST,
  fn: async () => {
    const topic = await createTestTopic(3);
    const prefix = `r_${uniqueSuffix()}_`;
    const records = sampleRecords(600, 93);
    const good = records.map((r): Message => ({
      key: String(r.sale_id),
      value: JSON.stringify(r),
    }));
    const messages: Message[] = [
      ...good,
      ...good.slice(0, 50), // re-delivered: duplicates
      { key: good[3]!.key, value: JSON.stringify({ ...records[3], sale_price: 1 }) }, // conflict
      { key: "bad-1", value: "not json" },
      { key: "bad-2", value: JSON.stringify({ ...records[5], state: "ZZ" }) },
      { key: "bad-3", value: null }, // a tombstone
    ];
    await send(topic, messages);
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    let reports: TestReports | undefined;
    try {
      reports = await spawnTestReports({
        topic,
        prefix,
        env: { REPORTS_METRICS_PORT: String(port), LOG_FORMAT: "json" },
      });
      let exited: number | undefined;
      reports.status.then((s) => exited = s.code);
      const output = () => `\n${reports!.lines.slice(-30).join("\n")}`;

      // The first answer, while the topics are prepared or the group is joined: not ready.
      let first: { status: number; body: string } | undefined;
      await waitFor(
        async () => {
          if (exited !== undefined) throw new Error(`exited ${exited}${output()}`);
          first = await get(`${base}/readyz`);
          return first !== undefined;
        },
        "/readyz to answer",
        60_000,
      );
      assert.equal(first!.status, 503, first!.body);
      assert.match(first!.body, /^\{"status":"not ready","reason":"starting: [^"\n]+"\}\n$/);
      assert.deepEqual(await get(`${base}/healthz`), { status: 200, body: '{"status":"live"}\n' });

      await waitFor(
        async () => (await get(`${base}/readyz`))?.status === 200,
        "/readyz 200",
        90_000,
      )
        .catch((e) => {
          throw new Error(`${e.message}${output()}`);
        });
      assert.deepEqual(await get(`${base}/readyz`), { status: 200, body: '{"status":"ready"}\n' });
      const states = reports.lines.filter((l) => l.includes('"msg":"state '));
      assert.ok(states.some((l) => l.includes(' -> RUNNING"')), `RUNNING before ready${output()}`);

      await waitForReports(prefix, { sales: 600, rejected: 4, duplicates: 50 });
      // Every message counted and passed on: the lag (as measured each second) and pending rows 0.
      let samples: Sample[] = [];
      await waitFor(async () => {
        const page = await get(`${base}/metrics`);
        if (page?.status !== 200) return false;
        samples = parseMetrics(page.body);
        return samples.some((s) => s.name === "sales_reports_lag_messages") &&
          sum(samples, "sales_reports_lag_messages") === 0 &&
          sum(samples, "sales_reports_pending_rows") === 0;
      }, "the lag and the rows to pass on to be 0 in /metrics");
      const page = await fetch(`${base}/metrics`);
      assert.equal(page.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      const text = await page.text();
      await promtoolCheck(text);
      samples = parseMetrics(text);

      // The project's counters: exactly what was sent.
      assert.equal(sum(samples, "sales_reports_messages_read_total"), messages.length);
      const outcomes = Object.fromEntries(
        ["counted", "duplicate", "conflict", "rejected"].map((
          outcome,
        ) => [outcome, sum(samples, "sales_reports_messages_total", { outcome })]),
      );
      assert.deepEqual(outcomes, { counted: 600, duplicate: 50, conflict: 1, rejected: 3 });
      assert.deepEqual(
        ["sales", "internal"].map((source) =>
          sum(samples, "sales_reports_lag_messages", { source })
        ),
        [0, 0],
      );
      assert.equal(sum(samples, "sales_reports_ready"), 1);

      // Kafka Streams' own: records read from the topic (exactly once, no restart), its lag per
      // partition, process rate, commit latency, RocksDB, alive threads.
      assert.equal(
        sum(samples, "kafka_stream_topic_records_consumed_total", { topic }),
        messages.length,
      );
      const lags = samples.filter((s) =>
        s.name === "kafka_consumer_fetch_manager_records_lag" && s.labels.topic === topic
      );
      assert.deepEqual(lags.map((s) => [s.labels.partition, s.value]).sort(), [
        ["0", 0],
        ["1", 0],
        ["2", 0],
      ]);
      assert.equal(sum(samples, "kafka_stream_alive_stream_threads"), 1);
      assert.ok(sum(samples, "kafka_stream_thread_process_total") >= messages.length);
      for (
        const name of [
          "kafka_stream_thread_process_rate",
          "kafka_stream_thread_commit_latency_avg_seconds",
          "kafka_stream_state_block_cache_usage",
          "kafka_stream_state_estimate_num_keys",
          "process_resident_memory_bytes",
        ]
      ) {
        assert.ok(samples.some((s) => s.name === name && Number.isFinite(s.value)), name);
      }
      // The sale-ids store holds the 600 sale ids (RocksDB's estimate over the tasks' stores).
      assert.ok(
        sum(samples, "kafka_stream_state_estimate_num_keys", { rocksdb_state_id: "sale-ids" }) > 0,
      );
      const commitSeconds = samples.find((s) =>
        s.name === "kafka_stream_thread_commit_latency_avg_seconds" && s.value > 0
      );
      assert.ok(commitSeconds && commitSeconds.value < 60, "commit latency is in seconds");

      await waitFor(
        () => Promise.resolve(reports!.lines.some((l) => l.includes('"msg":"caught up: lag 0, '))),
        "a caught-up line",
      );
      const status = await reports.stop();
      assert.equal(status.code, 143, `SIGTERM closes it cleanly${output()}`);
      assert.equal(await get(`${base}/healthz`), undefined, "the port is closed after the stop");

      // Every line the process wrote is one JSON object with an ISO 8601 time, level, logger, msg.
      const events = reports.lines.filter((l) => l !== "").map((line) => {
        try {
          return JSON.parse(line);
        } catch {
          throw new Error(`not a JSON line: ${line}`);
        }
      });
      for (const e of events) {
        assert.match(e.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$/);
        assert.ok(!Number.isNaN(Date.parse(e.time)), e.time);
        assert.ok(["INFO", "WARN", "ERROR"].includes(e.level), JSON.stringify(e));
        assert.equal(typeof e.logger, "string");
        assert.equal(typeof e.msg, "string");
      }
      // The progress line that said it caught up, with its figures as fields.
      const caughtUp = events.findIndex((e) => e.msg.startsWith("caught up: lag 0, "));
      assert.equal(events[caughtUp].lag, 0);
      const progress = events[caughtUp - 1];
      assert.deepEqual(
        [
          progress.state,
          progress.lag,
          progress.lag_sales,
          progress.lag_internal,
          progress.messages,
          progress.counted,
          progress.duplicates,
          progress.rejected,
          progress.conflicts,
          progress.pending_rows,
        ],
        ["RUNNING", 0, 0, 0, messages.length, 600, 50, 3, 1, 0],
      );
      assert.match(progress.msg, /^RUNNING, lag 0 \(sales 0, internal 0\); here: 654 messages /);
      assert.equal(events.at(-1).msg, "stopped");
    } finally {
      if (reports) {
        await reports.stop();
        await Deno.remove(reports.stateDir, { recursive: true }).catch(() => {});
      }
    }
  },
});

Deno.test({
  name:
    "a busy REPORTS_METRICS_PORT stops the reports process in one line naming it, exit 2, before it touches Kafka; through `deno task reports --reports-metrics-port` too",
  ...KAFKA_TEST,
  fn: async () => {
    const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (busy.addr as Deno.NetAddr).port;
    const topic = `never_${uniqueSuffix()}`;
    const says = new RegExp(
      `^\\S+ ERROR sales-reports: REPORTS_METRICS_PORT=${port} cannot be used on 127\\.0\\.0\\.1 ` +
        "\\([^)\\n]+\\): another process, or another instance, listens there; give each instance " +
        "a port of its own, or 0 for none$",
    );
    const stateDir = `${LOCAL_DIR}test-reports/busy-${uniqueSuffix()}`;
    try {
      const reports = await spawnTestReports({
        topic,
        prefix: `${topic}_`,
        stateDir,
        env: { REPORTS_METRICS_PORT: String(port) },
      });
      assert.equal((await reports.status).code, 2, reports.lines.join("\n"));
      const said = reports.lines.filter((l) => l !== "");
      assert.equal(said.length, 1, said.join("\n"));
      assert.match(said[0]!, says);

      const launched = await runScript("reports.ts", ["--reports-metrics-port", String(port)], {
        KAFKA_BROKERS: config.kafkaBrokers.join(","),
        SALES_TOPIC: topic,
        REPORT_TOPIC_PREFIX: `${topic}_`,
        REPORTS_GROUP: `busy-${uniqueSuffix()}`,
        REPORTS_INSTANCE_ID: `busy-${uniqueSuffix()}`,
        REPORTS_STATE_DIR: stateDir,
      });
      assert.equal(launched.code, 2, launched.stdout + launched.stderr);
      // As written, with its time and level (runScript's stderr holds the messages alone).
      const lines = launched.raw.stderr.split("\n").filter((l) => l !== "");
      assert.equal(lines.length, 1, launched.raw.stderr);
      assert.match(lines[0]!, says);

      const admin = testKafka().admin();
      await admin.connect();
      const topics = await admin.listTopics();
      await admin.disconnect();
      assert.ok(!topics.includes(topic), "the sales topic was not created");
    } finally {
      busy.close();
      await Deno.remove(stateDir, { recursive: true }).catch(() => {});
    }
  },
});
