/** One consistent read of every dashboard query, and a store that keeps the last good one in memory. */
import { settledWithin } from "../core/async.ts";
import { isStatementTimeout, type Sql } from "../infra/db.ts";
import { minuteOf } from "./write_batch.ts";
import { type StuckPartition, stuckPartitions } from "./stuck_partitions.ts";
import { type ReplicaStatus, type ReplicaWatch, selectReplicaStatus } from "./replica.ts";
import { type RetentionState, retentionState } from "./retention.ts";
import {
  type OffsetRow,
  type RecentSaleRow,
  selectByCard,
  selectByCategory,
  selectByState,
  type SelectionFigures,
  selectOffsets,
  selectRecentSales,
  selectSelection,
  selectSeries,
  selectTopCities,
  selectTopCustomers,
  selectTopProducts,
  selectTotals,
  type SeriesRow,
  type TotalsRow,
} from "./queries.ts";
import {
  EVERYTHING,
  isEverything,
  previousOf,
  resolveSelection,
  type Selection,
  type SelectionSpec,
  specKey,
} from "./selection.ts";

/** The sales series of a snapshot: per minute or per hour over [fromMinute, toMinute). */
export interface Series {
  stepMinutes: 1 | 60;
  fromMinute: number;
  toMinute: number;
  rows: SeriesRow[];
}

/** The period of equal length before a selection, and its totals (its newest sale's time too). */
export interface PreviousPeriod {
  selection: Selection;
  totals: TotalsRow;
}

/** Everything the dashboard shows for one selection, read in one read-only transaction at `asOf`. */
export interface Snapshot extends SelectionFigures {
  /** the period of equal length before; null for all time (or a range open at one end) */
  previous: PreviousPeriod | null;
  asOf: Date;
  selection: Selection;
  series: Series;
  recent: RecentSaleRow[];
  offsets: OffsetRow[];
  /** partitions the consumer stopped at an undecodable batch */
  stuck: StuckPartition[];
  /** how far behind its primary the server read is, when it is a read replica (else null) */
  replica?: ReplicaStatus | null;
  /** what retention dropped: the selection's figures from the minute log start at its keptFrom */
  retention?: RetentionState;
}

/** Which consumer group and topic the freshness panel follows. */
export interface SnapshotSource {
  groupId: string;
  topic: string;
  /** what the server process remembers of its read replica between snapshots */
  replicaWatch?: ReplicaWatch;
  /**
   * How long one statement of a snapshot may run (the session's statement_timeout otherwise): a
   * slow selection is read in the background while its last snapshot is served.
   */
  statementTimeoutMs?: number;
  /**
   * How many parallel workers each query of a snapshot may use (PostgreSQL's
   * max_parallel_workers_per_gather; the session's otherwise).
   */
  parallelWorkers?: number;
}

/** Rows in the top-N lists of the page. */
const TOP_N = 10;
/** Minutes of the series when all time is shown: the last hour. */
const MINUTES_SHOWN = 60;
/** The longest range shown per minute; longer ones are shown per hour. */
const MINUTE_SERIES_LIMIT = 6 * 60;

/** The series window of a selection: its range (per minute up to 6 h), else the last hour. */
function seriesWindow(sel: Selection, nowMinute: number) {
  const to = sel.toMinute ?? nowMinute + 1;
  const from = sel.fromMinute ?? to - MINUTES_SHOWN;
  if (to - from <= MINUTE_SERIES_LIMIT) {
    return { stepMinutes: 1 as const, fromMinute: from, toMinute: to };
  }
  return {
    stepMinutes: 60 as const,
    fromMinute: Math.floor(from / 60) * 60,
    toMinute: Math.ceil(to / 60) * 60,
  };
}

/** The figures of all time without filters, from the partitions' all-time rows. */
async function allTimeFigures(
  sql: Sql,
  sel: Selection,
  now: number,
): Promise<SelectionFigures> {
  const [totals, categories, states, cities, cards, customers, top] = await Promise.all([
    selectTotals(sql, sel, now),
    selectByCategory(sql, sel, now),
    selectByState(sql, sel, now),
    selectTopCities(sql, sel, now, TOP_N),
    selectByCard(sql, sel, now),
    selectTopCustomers(sql, sel, now, TOP_N),
    selectTopProducts(sql, sel, now, TOP_N),
  ]);
  return { totals, categories, states, cities, cards, customers, products: top };
}

/** The totals of the period before (its newest sale from the sold_at index, as the current's). */
async function previousPeriod(
  sql: Sql,
  sel: Selection,
  now: number,
): Promise<PreviousPeriod | null> {
  const previous = previousOf(sel);
  if (!previous) return null;
  const [totals, newest] = await Promise.all([
    selectTotals(sql, previous, now),
    selectRecentSales(sql, previous, 1),
  ]);
  totals.last_sale_at = newest[0]?.sold_at ?? null;
  return { selection: previous, totals };
}

/** Reads a snapshot of a selection in one repeatable-read, read-only transaction, so every panel agrees. */
export async function loadSnapshot(
  sql: Sql,
  source: SnapshotSource,
  spec: SelectionSpec = EVERYTHING,
): Promise<Snapshot> {
  const asOf = new Date();
  const now = minuteOf(asOf);
  const sel = resolveSelection(spec, now);
  const window = seriesWindow(sel, now);
  return await sql.begin("isolation level repeatable read read only", async (tx) => {
    const t = tx as unknown as Sql;
    const settings: [string, number | undefined][] = [
      ["statement_timeout", source.statementTimeoutMs],
      ["max_parallel_workers_per_gather", source.parallelWorkers],
    ];
    for (const [name, value] of settings) {
      if (value !== undefined) await t`select set_config(${name}, ${String(value)}, true)`;
    }
    const everything = isEverything(sel);
    const [figures, previous, series, recent, offsets, stuck, replica, retention] = await Promise
      .all([
        everything ? allTimeFigures(t, sel, now) : selectSelection(t, sel, now, TOP_N),
        previousPeriod(t, sel, now),
        selectSeries(t, sel, window.fromMinute, window.toMinute, window.stepMinutes),
        selectRecentSales(t, sel, TOP_N),
        selectOffsets(t, source.groupId, source.topic),
        stuckPartitions(t, source.groupId, source.topic),
        selectReplicaStatus(t, source.replicaWatch),
        retentionState(t),
      ]);
    const { totals, categories, states, cities, cards, customers, products } = figures;
    if (!everything) totals.last_sale_at = recent[0]?.sold_at ?? null;
    return {
      asOf,
      selection: sel,
      totals,
      categories,
      states,
      cities,
      cards,
      customers,
      products,
      previous,
      series: { ...window, rows: series },
      recent,
      offsets,
      stuck,
      replica,
      retention,
    };
  });
}

/** What a read of the store gives: the newest good snapshot (or none yet) and the current problem. */
export interface SnapshotState {
  snapshot: Snapshot | null;
  /** a sentence for the banner when the last attempt failed; null when the data is current */
  problem: string | null;
}

/**
 * Coalesces concurrent reads, reuses a fresh snapshot for `reuseMs` (a slow one for as long as
 * it took to load), serves a recent one while the next loads, keeps the last good one.
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
  /**
   * While a load another read started is still running, a snapshot younger than this is
   * returned at once too: a selection that takes long to read (a large range) never makes its
   * readers queue behind it (the page shows when its data was read). Default 30 s.
   */
  busyStaleMs?: number;
  waitMs?: number;
  /**
   * A selection whose last load took at least this long (default 1 s: an all-time filter over a
   * long history) is reused for as long as that load took, and its snapshot younger than
   * busyStaleMs is returned at once while the next loads: its loads take at most half of the
   * time it is looked at instead of running back to back, and no reader waits for a load known
   * to be slow.
   */
  slowLoadMs?: number;
}

/** Creates a store around a loader (normally `() => loadSnapshot(sql, source)`). */
export function createSnapshotStore(
  load: () => Promise<Snapshot>,
  options: SnapshotStoreOptions = {},
): SnapshotStore {
  const reuseMs = options.reuseMs ?? 300;
  const staleMs = Math.max(reuseMs, options.staleMs ?? 1_000);
  const busyStaleMs = Math.max(staleMs, options.busyStaleMs ?? 30_000);
  const waitMs = options.waitMs ?? 2_000;
  const slowLoadMs = options.slowLoadMs ?? 1_000;
  let last: Snapshot | null = null;
  let loadedAt = 0;
  /** how long the last good load took */
  let loadMs = 0;
  let problem: string | null = null;
  let inFlight: Promise<void> | null = null;

  const start = () => {
    const startedAt = Date.now();
    inFlight ??= load().then(
      (snapshot) => {
        last = snapshot;
        loadedAt = Date.now();
        loadMs = loadedAt - startedAt;
        problem = null;
      },
      (error) => {
        problem = describeFailure(error, last);
      },
    ).finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  return {
    async read() {
      const age = Date.now() - loadedAt;
      const slow = loadMs >= slowLoadMs;
      const reuse = slow ? Math.min(Math.max(reuseMs, loadMs), busyStaleMs) : reuseMs;
      if (last && problem === null && age < reuse) return { snapshot: last, problem };
      const busy = inFlight !== null;
      const loading = start();
      if (last && problem === null && (age < staleMs || ((busy || slow) && age < busyStaleMs))) {
        return { snapshot: last, problem };
      }
      if (!await settledWithin(loading, waitMs)) {
        return {
          snapshot: last,
          problem: `${serverOf(last)} did not answer within ${waitMs / 1000} s`,
        };
      }
      return { snapshot: last, problem };
    },
    async settled() {
      while (inFlight) await inFlight;
    },
  };
}

/** What the banner calls the server read: the read replica when the last snapshot came from one. */
function serverOf(last: Snapshot | null): string {
  return last?.replica ? "The read replica" : "PostgreSQL";
}

/** A sentence for the banner that names the failure without echoing connection strings. */
function describeFailure(error: unknown, last: Snapshot | null): string {
  const e = error as { code?: string; errno?: string; message?: string };
  const code = e?.code ?? e?.errno;
  if (isStatementTimeout(error)) {
    return `${serverOf(last)} took longer than the statement timeout to read this selection`;
  }
  return `${serverOf(last)} is unreachable${code ? ` (${code})` : ""}`;
}

/** A snapshot store per selection: the few selections people look at, each refreshed on its own. */
export interface SnapshotStores {
  /** The store of a selection, created on first use (the least recently used beyond `max` go). */
  get(spec: SelectionSpec): SnapshotStore;
  /** Resolves when no store has a load in flight. */
  settled(): Promise<void>;
}

/** Creates the per-selection stores around a loader of one selection. */
export function createSnapshotStores(
  load: (spec: SelectionSpec) => Promise<Snapshot>,
  options: SnapshotStoreOptions & { max?: number } = {},
): SnapshotStores {
  const max = options.max ?? 32;
  const stores = new Map<string, SnapshotStore>();
  return {
    get(spec) {
      const key = specKey(spec);
      let store = stores.get(key);
      if (store) {
        stores.delete(key); // re-inserted below: the map keeps the most recently used last
      } else {
        store = createSnapshotStore(() => load(spec), options);
        if (stores.size >= max) stores.delete(stores.keys().next().value!);
      }
      stores.set(key, store);
      return store;
    },
    async settled() {
      await Promise.all([...stores.values()].map((s) => s.settled()));
    },
  };
}
