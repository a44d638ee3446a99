import assert from "node:assert/strict";
import { FailedLogins } from "../../routes/auth.ts";
import { createApp } from "../../routes/app.ts";
import type { DashboardDeps } from "../../routes/deps.ts";
import { applyRetention } from "../../lib/store/retention.ts";
import { monthOf } from "../../lib/store/sale_partitions.ts";
import { createSnapshotStores, loadSnapshot } from "../../lib/store/snapshot.ts";
import { writeBatch } from "../../lib/store/write_batch.ts";
import { sampleRecords, validSales } from "../support/fixtures.ts";
import { createTestDatabase } from "../support/services.ts";

const DAY = 86_400_000;

Deno.test("after retention /api/summary states what is kept and the de-duplication horizon, and a range reaching past it says so on the page", async () => {
  const db = await createTestDatabase();
  const stores = createSnapshotStores(
    (spec) => loadSnapshot(db.sql, { groupId: "g", topic: "t" }, spec),
    { reuseMs: 0, staleMs: 0 },
  );
  try {
    const list = validSales(sampleRecords(60, 51));
    const old = new Date(monthOf(new Date(Date.now() - 120 * DAY)).getTime() + 3 * DAY);
    const recent = new Date(Date.now() - 5 * 60_000);
    await writeBatch(db.sql, {
      groupId: "g",
      topic: "t",
      partition: 0,
      expectedOffset: null,
      nextOffset: "60",
      rejected: 0,
      sales: list.map((sale, i) => ({ sale, offset: String(i), soldAt: i < 20 ? old : recent })),
    });
    const deps: DashboardDeps = {
      sql: db.sql,
      stores,
      endOffsets: null,
      failedLogins: new FailedLogins({ delayMs: 0, limit: Infinity }),
    };
    const app = createApp(deps);
    const summary = async (query = "") => {
      const res = await app.request(`/api/summary${query}`);
      assert.equal(res.status, 200);
      return await res.json();
    };

    const before = await summary();
    assert.deepEqual(before.retention, {
      keep: null,
      oldestKept: null,
      dedupHorizon: null,
      selectionComplete: true,
    });

    const report = await applyRetention(db.sql, 40);
    assert.equal(report.dropped.length, 1);
    const horizon = monthOf(new Date(Date.now() - 40 * DAY)).toISOString();

    const all = await summary();
    assert.equal(all.sales, 60, "all time keeps the dropped month's sales");
    assert.equal(all.revenue, before.revenue);
    assert.deepEqual(all.retention, {
      keep: "40d",
      oldestKept: horizon,
      dedupHorizon: horizon,
      selectionComplete: true,
    });
    const from = new Date(old.getTime() - DAY).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const ranged = await summary(`?from=${from}&to=${to}`);
    assert.equal(ranged.sales, 40, "a range counts the sales kept");
    assert.equal(ranged.retention.selectionComplete, false);
    const lastHour = await summary("?range=1h");
    assert.equal(lastHour.sales, 40);
    assert.equal(lastHour.retention.selectionComplete, true);
    const filtered = await summary(`?state=${list[25]!.state}`);
    assert.equal(filtered.retention.selectionComplete, false, "filters read the minute log");

    const page = await (await app.request(`/?range=custom&from=${from}&to=${to}`)).text();
    const note = /<p class="retention-note" role="note" data-retention="true">([^<]*)<\/p>/.exec(
      page,
    );
    assert.ok(note, "the page says the range reaches past retention");
    assert.match(
      note[1]!,
      new RegExp(
        `^Sales filed before ${horizon.slice(0, 10)} 00:00 UTC were dropped by retention ` +
          "\\(kept: 40d\\): this selection counts only the sales from then on",
      ),
    );
    const home = await (await app.request("/")).text();
    assert.doesNotMatch(home, /data-retention/, "all time without filters is complete");
  } finally {
    await stores.settled();
    await db.close();
  }
});
