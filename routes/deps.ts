/** What the dashboard's routes share: the pages' sources, the database, the token. */
import type { Sql } from "../lib/infra/db.ts";
import type { PageSources } from "../views/shared/page.ts";
import type { FailedLogins } from "./auth.ts";
import type { DashboardMetrics } from "./operations.ts";

/** The dashboard's collaborators, created by main.ts (or by a test). */
export interface DashboardDeps extends PageSources {
  /** read-only queries of the JSON breakdowns */
  sql: Sql;
  /** when set, every request needs it (bearer, or basic auth password) */
  token?: string;
  /** how wrong tokens are slowed down (default: FailedLogins' defaults) */
  failedLogins?: FailedLogins;
  /** the metrics /metrics shows (default: new ones, without the process' own) */
  metrics?: DashboardMetrics;
}
