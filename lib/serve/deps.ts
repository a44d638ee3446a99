/** What the dashboard's routes share: the database, the snapshot store, Kafka readers, the token. */
import type { Sql } from "../infra/db.ts";
import { consumerLag, type EndOffsetsReader } from "./lag.ts";
import type { ReportsReader, ReportsState } from "./reports_reader.ts";
import { type ReportsView, reportsView } from "./kafka_view.ts";
import type { SnapshotState, SnapshotStore } from "../store/snapshot.ts";
import { type DashboardView, dashboardView, type Refresh, summarize } from "./overview_view.ts";

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

/** What the main page is built from; the same objects give the same page. */
export interface ViewInputs {
  state: SnapshotState;
  endOffsets: Map<number, string> | null;
}

/** Reads the snapshot and the end offsets together. */
export async function currentInputs(deps: DashboardDeps): Promise<ViewInputs> {
  const [state, endOffsets] = await Promise.all([
    deps.store.read(),
    deps.endOffsets ? deps.endOffsets.read() : Promise.resolve(null),
  ]);
  return { state, endOffsets };
}

/** Builds the main page's view from its inputs for the given interval. */
export function viewOf({ state, endOffsets }: ViewInputs, refresh: Refresh): DashboardView {
  const lag = state.snapshot ? consumerLag(endOffsets, state.snapshot.offsets) : null;
  return dashboardView(state, lag, refresh);
}

/** Reads the snapshot and the end offsets together and builds the view for the given interval. */
export async function currentView(deps: DashboardDeps, refresh: Refresh): Promise<DashboardView> {
  return viewOf(await currentInputs(deps), refresh);
}

/** What /kafka shows when the server reads no report topics. */
const NOT_READ: ReportsState = {
  reports: null,
  caughtUp: false,
  problem: "this server does not read the report topics",
};

/** Reads the report topics, the PostgreSQL counts and Kafka's health together for /kafka. */
export async function currentReportsView(
  deps: DashboardDeps,
  refresh: Refresh,
): Promise<ReportsView> {
  const [state, store, endOffsets] = await Promise.all([
    deps.reports ? deps.reports.read() : Promise.resolve(NOT_READ),
    deps.store.read(),
    deps.endOffsets ? deps.endOffsets.read() : Promise.resolve(undefined),
  ]);
  return reportsView({
    state,
    prefix: deps.reports?.prefix ?? "",
    summary: store.snapshot ? summarize(store.snapshot.totals) : null,
    problem: store.problem,
    kafkaAnswers: endOffsets === undefined ? null : endOffsets !== null,
    refresh,
    asOf: new Date(),
  });
}
