/** What the dashboard's routes share: the database, the snapshot store, Kafka readers, the token. */
import type { Sql } from "../infra/db.ts";
import type { FailedLogins } from "./auth.ts";
import type { SnapshotStores } from "../store/snapshot.ts";
import type { EndOffsetsReader } from "../consume/lag.ts";
import type { ReportsReader } from "../reports/retrying_reader.ts";

/** The dashboard's collaborators, created by main.ts (or by a test). */
export interface DashboardDeps {
  /** read-only queries of the JSON breakdowns */
  sql: Sql;
  /** the pages' data per selection (time range and filters), each keeping its last good snapshot */
  stores: SnapshotStores;
  /** Kafka end offsets of the sales topic; null when lag is not shown */
  endOffsets: EndOffsetsReader | null;
  /** the report topics for /kafka and /api/reports; absent when this server does not read them */
  reports?: ReportsReader;
  /** when set, every request needs it (bearer, or basic auth password) */
  token?: string;
  /** how wrong tokens are slowed down (default: FailedLogins' defaults) */
  failedLogins?: FailedLogins;
}
