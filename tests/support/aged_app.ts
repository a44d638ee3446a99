/** The dashboard app over a fresh database of sales at chosen ages, for the dashboard's tests. */
import type { SaleRecord } from "../../lib/core/sale.ts";
import type { Sql } from "../../lib/infra/db.ts";
import { createSnapshotStores, loadSnapshot } from "../../lib/store/snapshot.ts";
import { createApp } from "../../routes/app.ts";
import { loadAged } from "./sales_sql.ts";
import { createTestDatabase } from "./services.ts";

/** The dashboard's Hono app, as createApp() makes it. */
export type DashboardApp = ReturnType<typeof createApp>;

/** What the database holds: the records, written `agesMinutes` ago (loadAged), and their source. */
export interface AgedSales {
  records: SaleRecord[];
  agesMinutes: number[];
  source: { groupId: string; topic: string };
  /** the server's time zone (DASHBOARD_TIME_ZONE); UTC when absent */
  timeZone?: string;
}

/**
 * Runs `check` with the app (a fresh snapshot for every request) over a new database holding the
 * aged sales, then waits for its snapshot loads and drops the database.
 */
export async function withAgedApp(
  aged: AgedSales,
  check: (app: DashboardApp, sql: Sql) => Promise<void>,
): Promise<void> {
  const db = await createTestDatabase();
  const stores = createSnapshotStores((spec) => loadSnapshot(db.sql, aged.source, spec), {
    reuseMs: 0,
    staleMs: 0,
  });
  try {
    await loadAged(db, aged.records, aged.agesMinutes, aged.source);
    await check(
      createApp({ sql: db.sql, stores, endOffsets: null, timeZone: aged.timeZone }),
      db.sql,
    );
  } finally {
    await stores.settled();
    await db.close();
  }
}
