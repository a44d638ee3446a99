import assert from "node:assert/strict";
import { centsToDecimal } from "../../lib/core/money.ts";
import { produceRecords } from "../../lib/produce/produce_records.ts";
import type { SaleRecord } from "../../lib/core/sale.ts";
import type { Sql } from "../../lib/infra/db.ts";
import { findDrift } from "../../lib/store/verify.ts";
import { ConsumerProcess } from "../support/faults.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { expectedTotals } from "../support/money.ts";
import {
  createTestDatabase,
  createTestTopic,
  storedOffsetSum,
  testKafka,
} from "../support/services.ts";

/** The consumers' Kafka session timeout in this test, in seconds (the broker's minimum). */
const SESSION_S = 6;

/** The bound the README states: the session timeout plus a rebalance and the work itself. */
const BOUND_MS = (SESSION_S + 5) * 1000 + 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends records in bulk to the topic. */
function produce(topic: string, records: SaleRecord[]) {
  return produceRecords(records.map((record, i) => ({ line: i + 1, record })), {
    kafka: testKafka(),
    topic,
    partitions: 4,
    delayMs: [0, 0],
    batchSize: 500,
  });
}

/** Backends of `app` (its application_name) inside a transaction that holds a lock, idle. */
async function idleInTransaction(sql: Sql, app: string): Promise<number> {
  const [r] = await sql`
    select count(*)::int as n from pg_stat_activity a
    where a.application_name = ${app} and a.state = 'idle in transaction'
      and exists (select 1 from pg_locks l where l.pid = a.pid and l.locktype = 'transactionid')`;
  return r!.n as number;
}

/** Sends SIGSTOP to the consumer until it is stopped while one of its transactions holds locks. */
async function freezeInsideTransaction(sql: Sql, consumer: ConsumerProcess, app: string) {
  for (let attempt = 1; attempt <= 300; attempt++) {
    Deno.kill(consumer.pid, "SIGSTOP");
    await sleep(150); // a statement in flight ends; its session then waits for the frozen client
    if (await idleInTransaction(sql, app) > 0) return attempt;
    Deno.kill(consumer.pid, "SIGCONT");
    await sleep(10 + Math.random() * 60);
  }
  throw new Error(`consumer ${consumer.name} was never stopped inside a transaction`);
}

Deno.test({
  name:
    "a consumer stopped (SIGSTOP) inside its transaction holds up the other no longer than the session timeout, totals exact",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(4);
    const group = `g-${uniqueSuffix()}`;
    const apps = { a: `freeze-a-${uniqueSuffix()}`, b: `freeze-b-${uniqueSuffix()}` };
    const consumer = (name: "a" | "b") =>
      new ConsumerProcess(db.url, topic, group, name, true, {
        args: ["--session-timeout", String(SESSION_S)],
        env: { PGAPPNAME: apps[name] },
      });
    const a = consumer("a");
    const b = consumer("b");
    try {
      for (const c of [a, b]) {
        await waitFor(() => Promise.resolve(/^consuming /m.test(c.output)), `consumer ${c.name}`);
      }
      const records = sampleRecords(30_000, 41);
      const first = produce(topic, records.slice(0, 20_000));
      await waitFor(async () => await storedOffsetSum(db.sql, group) > 0, "the first batches");
      const attempts = await freezeInsideTransaction(db.sql, a, apps.a);
      const frozenAt = performance.now();
      const atFreeze = await storedOffsetSum(db.sql, group);
      assert.ok(atFreeze < 20_000, `the work was done (${atFreeze}) before a was stopped`);
      assert.equal((await first).sent, 20_000);
      assert.equal((await produce(topic, records.slice(20_000))).sent, 10_000);

      await waitFor(
        async () => await storedOffsetSum(db.sql, group) === records.length,
        `every offset stored by b while a is stopped (a's output:\n${a.output}\nb's:\n${b.output})`,
        BOUND_MS + 30_000,
      );
      const tookMs = performance.now() - frozenAt;
      assert.equal(await idleInTransaction(db.sql, apps.a), 0, "a's transaction was rolled back");
      const totals = async () => {
        const [t] = await db.sql`
          select sales_count::int, revenue::text, cost::text from sales_totals`;
        return { ...t };
      };
      const want = expectedTotals(records);
      const exact = {
        sales_count: want.count,
        revenue: centsToDecimal(want.revenue),
        cost: centsToDecimal(want.cost),
      };
      assert.deepEqual(await totals(), exact);
      assert.deepEqual(await findDrift(db.sql), []);
      assert.ok(
        tookMs < BOUND_MS,
        `b finished ${Math.round(tookMs)} ms after a was stopped; bound ${BOUND_MS} ms`,
      );

      // The stopped consumer wakes up with a dead session and a lost membership: it writes nothing.
      Deno.kill(a.pid, "SIGCONT");
      await sleep(3_000);
      assert.deepEqual(await totals(), exact);
      assert.equal(await storedOffsetSum(db.sql, group), records.length);
      // a goes on (when postgres.js trips over the session the server closed, the client is
      // renewed, not the process ended) and stops cleanly.
      const statusA = await a.stop("SIGTERM");
      assert.equal(statusA.code, 0, `consumer a goes on and stops cleanly:\n${a.output}`);
      assert.doesNotMatch(a.output, /Uncaught|at .*\.js:\d+/, a.output);
      const statusB = await b.stop("SIGTERM");
      assert.equal(statusB.code, 0, `consumer b stops cleanly:\n${b.output}`);
      console.log(
        `a stopped inside a transaction after ${attempts} tries at ${atFreeze} stored offsets; ` +
          `b stored all ${records.length} ${(tookMs / 1000).toFixed(1)} s later ` +
          `(session timeout ${SESSION_S} s); totals exact`,
      );
    } finally {
      for (const c of [a, b]) {
        try {
          Deno.kill(c.pid, "SIGCONT");
        } catch { /* gone */ }
        await c.stop("SIGKILL");
      }
      await db.close();
    }
  },
});
