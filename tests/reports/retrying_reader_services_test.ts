import assert from "node:assert/strict";
import { Partitioners } from "kafkajs";
import { createDashboardKafka } from "../../lib/infra/kafka.ts";
import { kafkaReports } from "../../lib/reports/retrying_reader.ts";
import { ensureReportTopics, REPORTS, reportTopic } from "../../lib/reports/topics.ts";
import { freePort, uniqueSuffix } from "../support/fixtures.ts";
import { testKafka } from "../support/services.ts";

const KAFKA_TEST = { sanitizeOps: false, sanitizeResources: false };

/** Writes keyed JSON rows (null: a tombstone) to a report topic, as the reports process does. */
async function write(topic: string, rows: [string, object | null][]) {
  const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({
      topic,
      messages: rows.map(([key, row]) => ({ key, value: row && JSON.stringify(row) })),
    });
  } finally {
    await producer.disconnect();
  }
}

Deno.test({
  name:
    "kafkaReports() says the report topics are missing until they exist, then mirrors the latest row of each key",
  ...KAFKA_TEST,
  fn: async () => {
    const prefix = `reader_${uniqueSuffix()}_`;
    const kafka = testKafka();
    const logged: string[] = [];
    const reader = kafkaReports(kafka, prefix, { retryMs: 0, log: (line) => logged.push(line) });
    try {
      assert.equal(reader.prefix, prefix);
      assert.equal(reader.lag!(), null, "no lag while the topics are not read");
      assert.deepEqual(await reader.read(), {
        reports: null,
        caughtUp: false,
        problem: "the report topics are not read yet",
        missing: true,
      });
      await reader.read();
      const topics = REPORTS.map((r) => reportTopic(r, prefix));
      assert.deepEqual(logged, [`Report topics not created yet (${topics.join(", ")}); waiting`]);

      await ensureReportTopics(kafka, prefix);
      await write(reportTopic("total_sales_summary", prefix), [
        ["total", { sales_count: 3, revenue: "30.00" }],
        ["total", { sales_count: 5, revenue: "52.10" }],
      ]);
      await write(reportTopic("sales_by_state", prefix), [
        ["CA", { state: "CA", sales_count: 2 }],
        ["TX", { state: "TX", sales_count: 1 }],
        ["TX", null],
      ]);
      let state = await reader.read();
      for (let i = 0; i < 20 && state.reports === null; i++) state = await reader.read();
      await reader.caughtUp();
      state = await reader.read();
      assert.deepEqual({ ...state, reports: undefined }, {
        reports: undefined,
        caughtUp: true,
        problem: null,
        missing: false,
      });
      assert.deepEqual(state.reports, {
        total_sales_summary: [{ sales_count: 5, revenue: "52.10" }],
        sales_by_category: [],
        sales_by_state: [{ state: "CA", sales_count: 2 }],
        sales_by_city: [],
        customer_insights: [],
        credit_card_usage: [],
      });
      // Rows written later show without a new start.
      await write(reportTopic("credit_card_usage", prefix), [["Visa", { card: "Visa", n: 1 }]]);
      await reader.caughtUp();
      assert.deepEqual((await reader.read()).reports!.credit_card_usage, [{ card: "Visa", n: 1 }]);
      assert.equal(logged.length, 1, logged.join("\n"));
      assert.equal(reader.lag!(), 0, "caught up: nothing left to read");
    } finally {
      await reader.close();
    }
  },
});

Deno.test({
  name:
    "kafkaReports() answers with the problem, never throwing, while Kafka does not answer; caughtUp() fails with it",
  ...KAFKA_TEST,
  fn: async () => {
    const logged: string[] = [];
    const reader = kafkaReports(createDashboardKafka([`127.0.0.1:${freePort()}`]), "x_", {
      waitMs: 10_000,
      retryMs: 60_000,
      log: (line) => logged.push(line),
    });
    try {
      const state = await reader.read();
      assert.equal(state.reports, null);
      assert.equal(state.caughtUp, false);
      assert.equal(state.missing, false);
      assert.match(
        state.problem ?? "",
        /^Kafka is unreachable or the report topics cannot be read \(.+\)$/,
      );
      assert.equal(logged.length, 1);
      assert.match(logged[0]!, /^Report topics unavailable \(.+\); retrying$/);
      await assert.rejects(reader.caughtUp(), new Error(state.problem!));
      // Within retryMs a read does not try again: the same answer at once.
      const started = performance.now();
      assert.deepEqual(await reader.read(), state);
      assert.ok(performance.now() - started < 500);
      assert.equal(logged.length, 1);
    } finally {
      await reader.close();
    }
  },
});
