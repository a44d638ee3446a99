/** What the dashboard's routes share: the database, the snapshot store, Kafka readers, the token. */
import type { Sql } from "../infra/db.ts";
import type { SnapshotStore } from "../store/snapshot.ts";
import type { EndOffsetsReader } from "./lag.ts";
import type { ReportsReader } from "./reports_reader.ts";

/** The dashboard's collaborators, created by main.ts (or by a test). */
export interface DashboardDeps {
  /** read-only queries of the JSON breakdowns */
  sql: Sql;
  /** the page's and fragments' data, with the last good snapshot kept */
  store: SnapshotStore;
  /** Kafka end offsets of the sales topic; null when lag is not shown */
  endOffsets: EndOffsetsReader | null;
  /** the report topics for /kafka and /api/reports; absent when this server does not read them */
  reports?: ReportsReader;
  /** when set, every request needs it (bearer, or basic auth password) */
  token?: string;
}
