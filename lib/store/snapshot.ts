/** One consistent read of every dashboard query, and a store that keeps the last good one in memory. */
import { settledWithin } from "../core/async.ts";
import type { Sql } from "../infra/db.ts";
import {
  type CustomerRow,
  type GroupRow,
  type MinuteRow,
  type OffsetRow,
  type RecentSaleRow,
  selectByCard,
  selectByCategory,
  selectByState,
  selectMinutesSince,
  selectOffsets,
  selectRecentSales,
  selectTopCities,
  selectTopCustomers,
  selectTotals,
  type TotalsRow,
} from "./queries.ts";

/** Everything the dashboard shows, read in one read-only transaction at `asOf`. */
export interface Snapshot {
  asOf: Date;
  totals: TotalsRow;
  categories: GroupRow[];
  states: GroupRow[];
  cities: GroupRow[];
  cards: GroupRow[];
  customers: CustomerRow[];
  minutes: MinuteRow[];
  recent: RecentSaleRow[];
  offsets: OffsetRow[];
}

/** Which consumer group and topic the freshness panel follows. */
export interface SnapshotSource {
  groupId: string;
  topic: string;
}

/** Rows in the top-N lists of the page. */
const TOP_N = 10;
/** Minutes in the per-minute chart. */
export const MINUTES_SHOWN = 60;

/** The first minute of the per-minute chart for a moment: 59 whole minutes before its minute. */
export function firstMinute(now: Date): Date {
  const minute = Math.floor(now.getTime() / 60_000) * 60_000;
  return new Date(minute - (MINUTES_SHOWN - 1) * 60_000);
}

/** Reads a snapshot in one repeatable-read, read-only transaction so every panel agrees. */
export async function loadSnapshot(sql: Sql, source: SnapshotSource): Promise<Snapshot> {
  const asOf = new Date();
  return await sql.begin("isolation level repeatable read read only", async (tx) => {
    const t = tx as unknown as Sql;
    const [totals, categories, states, cities, cards, customers, minutes, recent, offsets] =
      await Promise.all([
        selectTotals(t),
        selectByCategory(t),
        selectByState(t),
        selectTopCities(t, TOP_N),
        selectByCard(t),
        selectTopCustomers(t, TOP_N),
        selectMinutesSince(t, firstMinute(asOf)),
        selectRecentSales(t, TOP_N),
        selectOffsets(t, source.groupId, source.topic),
      ]);
    return { asOf, totals, categories, states, cities, cards, customers, minutes, recent, offsets };
  });
}

/** What a read of the store gives: the newest good snapshot (or none yet) and the current problem. */
export interface SnapshotState {
  snapshot: Snapshot | null;
  /** a sentence for the banner when the last attempt failed; null when the data is current */
  problem: string | null;
}

/**
 * Coalesces concurrent reads, reuses a fresh snapshot for `reuseMs`, serves a recent one while
 * the next loads, keeps the last good one.
 */
export interface SnapshotStore {
  /** Returns within about `waitMs`: a new snapshot, or the last good one with the problem. */
  read(): Promise<SnapshotState>;
  /** Resolves when no load is in flight (for clean shutdown and tests). */
  settled(): Promise<void>;
}

/** Options of the store: how long a snapshot is reused and how long a read waits for PostgreSQL. */
export interface SnapshotStoreOptions {
  reuseMs?: number;
  /**
   * A snapshot younger than this (and older than reuseMs) is returned at once while the next
   * one loads, so busy servers never make a request wait for a load; older ones are waited for.
   */
  staleMs?: number;
  waitMs?: number;
}

/** Creates a store around a loader (normally `() => loadSnapshot(sql, source)`). */
export function createSnapshotStore(
  load: () => Promise<Snapshot>,
  options: SnapshotStoreOptions = {},
): SnapshotStore {
  const reuseMs = options.reuseMs ?? 300;
  const staleMs = Math.max(reuseMs, options.staleMs ?? 1_000);
  const waitMs = options.waitMs ?? 2_000;
  let last: Snapshot | null = null;
  let loadedAt = 0;
  let problem: string | null = null;
  let inFlight: Promise<void> | null = null;

  const start = () => {
    inFlight ??= load().then(
      (snapshot) => {
        last = snapshot;
        loadedAt = Date.now();
        problem = null;
      },
      (error) => {
        problem = describeFailure(error);
      },
    ).finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  return {
    async read() {
      const age = Date.now() - loadedAt;
      if (last && problem === null && age < reuseMs) return { snapshot: last, problem };
      const loading = start();
      if (last && problem === null && age < staleMs) return { snapshot: last, problem };
      if (!await settledWithin(loading, waitMs)) {
        return {
          snapshot: last,
          problem: `PostgreSQL did not answer within ${waitMs / 1000} s`,
        };
      }
      return { snapshot: last, problem };
    },
    async settled() {
      while (inFlight) await inFlight;
    },
  };
}

/** A sentence for the banner that names the failure without echoing connection strings. */
function describeFailure(error: unknown): string {
  const e = error as { code?: string; errno?: string; message?: string };
  const code = e?.code ?? e?.errno;
  return `PostgreSQL is unreachable${code ? ` (${code})` : ""}`;
}
