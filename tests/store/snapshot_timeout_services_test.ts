/**
 * A snapshot's statements run with the source's statement timeout, not the session's shorter one
 * (main.ts: 5 s for the pool, 30 s for a snapshot loaded in the background), and only inside the
 * snapshot's transaction.
 */
import assert from "node:assert/strict";
import { connect } from "../../lib/infra/db.ts";
import { loadSnapshot } from "../../lib/store/snapshot.ts";
import { createTestDatabase, holdTableLock } from "../support/services.ts";

const SOURCE = { groupId: "timeout-group", topic: "timeout-topic" };

Deno.test("a snapshot waits as long as the source's statement timeout allows, the session keeping its own", async () => {
  const db = await createTestDatabase();
  const short = connect(db.url, { max: 1, connection: { statement_timeout: 300 } });
  try {
    const [before] = await short<{ max_parallel_workers_per_gather: string }[]>`
      show max_parallel_workers_per_gather`;
    const sessionWorkers = before!.max_parallel_workers_per_gather;
    // A session holds agg_totals for 2 s: every snapshot waits for it on its first read.
    const held = await holdTableLock(db, "agg_totals", 2_000);
    await assert.rejects(
      loadSnapshot(short, SOURCE),
      (e: { code?: string }) => e.code === "57014",
      "with the session's 300 ms the snapshot is cancelled",
    );
    const started = performance.now();
    const snapshot = await loadSnapshot(short, {
      ...SOURCE,
      statementTimeoutMs: 20_000,
      parallelWorkers: 0,
    });
    assert.ok(performance.now() - started > 500, "it waited for the lock");
    assert.equal(snapshot.totals.sales_count, "0");
    await held.released;
    const [row] = await short<{ statement_timeout: string }[]>`show statement_timeout`;
    assert.equal(row?.statement_timeout, "300ms", "the session keeps its own timeout");
    const [workers] = await short<{ max_parallel_workers_per_gather: string }[]>`
      show max_parallel_workers_per_gather`;
    assert.equal(workers?.max_parallel_workers_per_gather, sessionWorkers, "and its own workers");
  } finally {
    await short.end({ timeout: 5 });
    await db.close();
  }
});
