/**
 * The consumer survives PostgreSQL as it survives the broker: kill -9 of the postmaster of a
 * PostgreSQL this test started (never the shared one), mid-stream, twice, while the consumer
 * process keeps running; it backs off, reconnects and resumes from the offsets stored in
 * PostgreSQL, says so in one line when PostgreSQL stops answering and one when it answers again,
 * and catches up within the README's bound. Every sale ends up stored once, to the cent.
 */
import assert from "node:assert/strict";
import { centsToDecimal } from "../../lib/core/money.ts";
import { produceRecords } from "../../lib/produce/produce_records.ts";
import { findDrift } from "../../lib/store/verify.ts";
import { ConsumerProcess } from "../support/faults.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { expectedTotals } from "../support/money.ts";
import { createTestTopic, storedOffsetSum, testKafka } from "../support/services.ts";
import { OwnPostgres } from "../support/own_postgres.ts";

const PARTITIONS = 6;
/** Sales sent per round; each round has one kill -9 in the middle of storing them. */
const PER_ROUND = 10_000;
const ROUNDS = 2;
/** How long PostgreSQL stays dead: long enough for the consumer's retries to back off. */
const OUTAGE_MS = 4_000;
/** The README's bound: caught up within 15 s of PostgreSQL answering again. */
const CATCH_UP_BOUND_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Open transactions of the consumer (its sessions carry `app` as application_name). */
async function openTransactions(pg: OwnPostgres, app: string): Promise<number> {
  const [row] = await pg.sql`
    select count(*)::int as n from pg_stat_activity
    where application_name = ${app} and xact_start is not null`;
  return row!.n as number;
}

Deno.test({
  name:
    "kill -9 of PostgreSQL mid-stream, twice: the consumer keeps running, logs each outage once, catches up within 15 s, every sale once to the cent",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const pg = await OwnPostgres.start();
    const topic = await createTestTopic(PARTITIONS);
    const group = `g-${uniqueSuffix()}`;
    const app = `pg-crash-${uniqueSuffix()}`;
    const records = sampleRecords(PER_ROUND * ROUNDS, 43);
    const consumer = new ConsumerProcess(pg.url, topic, group, "a", true, {
      args: ["--session-timeout", "6"],
      env: { PGAPPNAME: app },
    });
    const report: string[] = [];
    try {
      await waitFor(
        () => Promise.resolve(/^consuming /m.test(consumer.output)),
        `the consumer to start:\n${consumer.output}`,
      );
      for (let round = 0; round < ROUNDS; round++) {
        const base = round * PER_ROUND;
        const sending = produceRecords(
          records.slice(base, base + PER_ROUND).map((record, i) => ({ line: i + 1, record })),
          {
            kafka: testKafka(),
            topic,
            partitions: PARTITIONS,
            delayMs: [0, 0],
            batchSize: 250,
          },
        );
        await waitFor(
          async () => await storedOffsetSum(pg.sql, group) >= base + 1000,
          `the consumer to store round ${round + 1}'s first sales:\n${consumer.output}`,
        );
        // Mid-stream: wait (briefly) for a transaction of the consumer to be open, then kill.
        const until = Date.now() + 2_000;
        while (Date.now() < until && await openTransactions(pg, app) === 0) await sleep(5);
        const atKill = await storedOffsetSum(pg.sql, group);
        await pg.kill9();
        const killedAt = performance.now();
        assert.ok(atKill < base + PER_ROUND, `killed mid-stream (${atKill} stored)`);
        assert.equal((await sending).sent, PER_ROUND);
        await sleep(Math.max(0, OUTAGE_MS - (performance.now() - killedAt)));
        const restarting = performance.now();
        await pg.restart();
        const answering = performance.now();
        await waitFor(
          async () => await storedOffsetSum(pg.sql, group) === base + PER_ROUND,
          `the consumer to catch up after the restart:\n${consumer.output}`,
          60_000,
        );
        const caughtUpMs = performance.now() - restarting;
        assert.ok(
          caughtUpMs < CATCH_UP_BOUND_MS,
          `caught up ${Math.round(caughtUpMs)} ms after the restart began; bound ` +
            `${CATCH_UP_BOUND_MS} ms:\n${consumer.output}`,
        );
        report.push(
          `kill -9 of PostgreSQL at ${atKill} of ${base + PER_ROUND} stored offsets; down ` +
            `${((restarting - killedAt) / 1000).toFixed(1)} s; restart took ` +
            `${((answering - restarting) / 1000).toFixed(1)} s; all stored ` +
            `${(caughtUpMs / 1000).toFixed(1)} s after the restart began`,
        );
      }
      const status = await consumer.stop("SIGTERM");
      assert.equal(status.code, 0, `the consumer stops cleanly:\n${consumer.output}`);

      // Contained: no exit, no stack trace, one line per change of state.
      assert.doesNotMatch(consumer.output, /Uncaught|Cannot go on|^\s+at .*:\d+:\d+/m);
      const down = consumer.output.match(/^PostgreSQL does not answer \(/gm) ?? [];
      const up = consumer.output.match(/^PostgreSQL answers again after /gm) ?? [];
      assert.equal(down.length, ROUNDS, `one "does not answer" line per kill:\n${consumer.output}`);
      assert.equal(up.length, ROUNDS, `one "answers again" line per kill:\n${consumer.output}`);

      // Exact: every sale once, to the cent; offsets at the end of every partition.
      const want = expectedTotals(records);
      const [s] = await pg.sql`
        select count(*)::int as n, count(distinct sale_id)::int as ids,
          sum(sale_price)::text as revenue, sum(cost_price)::text as cost from sales`;
      assert.deepEqual(
        { n: s!.n, ids: s!.ids, revenue: s!.revenue, cost: s!.cost },
        {
          n: want.count,
          ids: want.count,
          revenue: centsToDecimal(want.revenue),
          cost: centsToDecimal(want.cost),
        },
      );
      const [t] = await pg.sql`
        select sales_count::int, revenue::text, cost::text, rejected::int from sales_totals`;
      assert.deepEqual({ ...t }, {
        sales_count: want.count,
        revenue: centsToDecimal(want.revenue),
        cost: centsToDecimal(want.cost),
        rejected: 0,
      });
      assert.deepEqual(await findDrift(pg.sql), [], "every aggregate equals a GROUP BY over sales");
      assert.equal(await storedOffsetSum(pg.sql, group), records.length);
      console.log([
        ...report,
        `lost 0, counted twice 0 (${want.count} sales, revenue ${centsToDecimal(want.revenue)})`,
      ].join("\n"));
    } finally {
      await consumer.stop("SIGKILL");
      await pg.remove();
    }
  },
});
