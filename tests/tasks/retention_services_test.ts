/** `deno task retention` (scripts/retention.ts), then verify and rebuild, as the tasks run. */
import assert from "node:assert/strict";
import { monthOf } from "../../lib/store/sale_partitions.ts";
import { writeBatch } from "../../lib/store/write_batch.ts";
import { sampleRecords, validSales } from "../support/fixtures.ts";
import { createTestDatabase } from "../support/services.ts";
import { lines, runScript } from "../support/tasks.ts";

const DAY = 86_400_000;

Deno.test("deno task retention drops the months past SALES_RETENTION; verify finds no drift, rebuild keeps every all-time figure", async () => {
  const db = await createTestDatabase();
  try {
    const list = validSales(sampleRecords(90, 61));
    const old = new Date(monthOf(new Date(Date.now() - 200 * DAY)).getTime() + DAY);
    const older = new Date(monthOf(new Date(Date.now() - 400 * DAY)).getTime() + DAY);
    const times = [older, old, new Date(Date.now() - 60_000)];
    await writeBatch(db.sql, {
      groupId: "g",
      topic: "t",
      partition: 2,
      expectedOffset: null,
      nextOffset: "90",
      rejected: 0,
      sales: list.map((sale, i) => ({ sale, offset: String(i), soldAt: times[i % 3]! })),
    });
    const totals = async () => ({
      ...(await db.sql`select sales_count, revenue::text, cost::text from sales_totals`)[0],
    });
    const before = await totals();
    const env = { DATABASE_URL: db.url };

    // Without SALES_RETENTION nothing is dropped.
    const keepAll = await runScript("scripts/retention.ts", [], env);
    assert.equal(keepAll.code, 0, keepAll.stderr);
    assert.match(keepAll.stdout, /SALES_RETENTION is not set: every month is kept\n$/);
    assert.equal((await db.sql`select count(*)::int as n from sales`)[0]!.n, 90);

    const run = await runScript("scripts/retention.ts", [], { ...env, SALES_RETENTION: "100d" });
    assert.equal(run.code, 0, run.stderr);
    const said = lines(run.stdout);
    const month = (at: Date) => at.toISOString().slice(0, 7);
    assert.deepEqual(said.slice(0, 2), [
      `dropped ${month(older)}: its sales and ids; its figures stay in the aggregates`,
      `dropped ${month(old)}: its sales and ids; its figures stay in the aggregates`,
    ]);
    const horizon = monthOf(new Date(Date.now() - 100 * DAY)).toISOString();
    assert.match(said[2]!, new RegExp(`sales filed from ${horizon} are kept$`));
    assert.equal((await db.sql`select count(*)::int as n from sales`)[0]!.n, 30);
    assert.deepEqual(await totals(), before);

    const verify = await runScript("scripts/verify.ts", [], env);
    assert.equal(verify.code, 0, verify.stdout);
    assert.equal(
      verify.stdout,
      "no drift: every aggregate equals a GROUP BY over the sales kept (filed from " +
        `${horizon} on) plus the figures of the months retention dropped\n`,
    );
    const rebuild = await runScript("scripts/rebuild.ts", [], env);
    assert.equal(rebuild.code, 0, rebuild.stderr);
    assert.deepEqual(await totals(), before, "rebuild keeps the dropped months' figures");
    assert.equal((await runScript("scripts/verify.ts", [], env)).code, 0);

    // A bad or hostile value: one sentence (then the usage), exit 2, nothing dropped.
    for (const value of ["0d", "400", "-5d", "400d; drop table sales", "1d\n1d"]) {
      const bad = await runScript("scripts/retention.ts", [], { ...env, SALES_RETENTION: value });
      assert.equal(bad.code, 2, value);
      assert.match(
        lines(bad.stderr)[0]!,
        /^error: SALES_RETENTION must be whole days from 1 to 36500 written like 400d, got "[ -~]*"$/,
      );
      assert.doesNotMatch(bad.stderr, /\n\s+at /, "no stack trace");
      assert.equal(bad.stdout, "");
    }
    assert.equal((await db.sql`select count(*)::int as n from sales`)[0]!.n, 30);
  } finally {
    await db.close();
  }
});
