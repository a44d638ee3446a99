/** What the dashboard's routes share: the database, the snapshot store, the lag source, the token. */
import type { Sql } from "./db.ts";
import { consumerLag, type EndOffsetsReader } from "./dashboard_lag.ts";
import type { SnapshotStore } from "./dashboard_snapshot.ts";
import { type DashboardView, dashboardView, type Refresh } from "./dashboard_view.ts";

/** The dashboard's collaborators, created by main.ts (or by a test). */
export interface DashboardDeps {
  /** read-only queries of the JSON breakdowns */
  sql: Sql;
  /** the page's and fragments' data, with the last good snapshot kept */
  store: SnapshotStore;
  /** Kafka end offsets of the sales topic; null when lag is not shown */
  endOffsets: EndOffsetsReader | null;
  /** when set, every request needs it (bearer, or basic auth password) */
  token?: string;
}

/** Reads the snapshot and the end offsets together and builds the view for the given interval. */
export async function currentView(deps: DashboardDeps, refresh: Refresh): Promise<DashboardView> {
  const [state, endOffsets] = await Promise.all([
    deps.store.read(),
    deps.endOffsets ? deps.endOffsets.read() : Promise.resolve(null),
  ]);
  const lag = state.snapshot ? consumerLag(endOffsets, state.snapshot.offsets) : null;
  return dashboardView(state, lag, refresh);
}
