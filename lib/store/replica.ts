/**
 * How far a read replica is behind its primary, as far as the dashboard's own read-only login can
 * tell: whether the server is a replica at all, whether a WAL receiver streams from the primary,
 * the WAL received but not applied yet, and the primary's commit time of the newest change applied.
 */
import type { Sql } from "../infra/db.ts";

/** What a replica says of itself at one read. */
export interface ReplicaStatus {
  /** when the replica was asked (its clock) */
  checkedAt: Date;
  /** the primary's commit time of the newest transaction applied here; null before any */
  replayedAt: Date | null;
  /** WAL received from the primary but not applied yet, in bytes */
  pendingBytes: number;
  /** a WAL receiver runs, connected to the primary */
  receiving: boolean;
  /**
   * seconds the data is behind what the replica received: 0 when it applied everything; null
   * when it receives nothing (how far the primary went since is unknown here), or when it has
   * never applied a change nor been seen current
   */
  behindSeconds: number | null;
}

/** At and above this lag (seconds) the replica counts as behind: the page warns, the API says stale. */
export const REPLICA_BEHIND_SECONDS = 5;

/** What the dashboard makes of a replica's status: streaming and current enough, behind, cut off. */
export type ReplicaState = "current" | "behind" | "disconnected";

/** The state of a replica's status. */
export function replicaState(status: ReplicaStatus): ReplicaState {
  if (!status.receiving) return "disconnected";
  const behind = status.behindSeconds ?? Infinity;
  return behind >= REPLICA_BEHIND_SECONDS ? "behind" : "current";
}

/** A sentence for a replica that is behind or cut off; null when it is current. */
export function replicaProblem(status: ReplicaStatus): string | null {
  switch (replicaState(status)) {
    case "current":
      return null;
    case "behind":
      return status.behindSeconds === null
        ? "The read replica is behind the primary (by how much is unknown yet)"
        : `The read replica is ${status.behindSeconds.toFixed(1)} s behind the primary`;
    case "disconnected":
      return "The read replica is not receiving from the primary";
  }
}

/**
 * What a server process remembers between reads of its replica: when it last found it had
 * applied all it received. An idle primary sends nothing, so the newest commit's age grows while
 * the replica is current; it bounds the lag of WAL that arrives after a quiet spell.
 */
export interface ReplicaWatch {
  lastCurrentAt: Date | null;
}

/** A fresh watch, for one server process. */
export function createReplicaWatch(): ReplicaWatch {
  return { lastCurrentAt: null };
}

/** A replica's readings, as PostgreSQL gives them. */
export interface ReplicaReading {
  checkedAt: Date;
  replayedAt: Date | null;
  pendingBytes: number;
  receiving: boolean;
}

/**
 * The replica's lag from one reading: 0 when it applied everything it received (an idle primary
 * sends nothing, so that is current); else the age of the newest change applied, but never more
 * than the time since it was last seen current, since the WAL it waits on came after; null when
 * no WAL receiver runs.
 */
export function replicaStatusOf(reading: ReplicaReading, watch: ReplicaWatch): ReplicaStatus {
  const { checkedAt, replayedAt, pendingBytes, receiving } = reading;
  const status = (behindSeconds: number | null) => ({ ...reading, behindSeconds });
  if (!receiving) return status(null);
  if (pendingBytes <= 0) {
    watch.lastCurrentAt = checkedAt;
    return status(0);
  }
  const since = (at: Date | null) =>
    at === null ? Infinity : Math.max(0, (checkedAt.getTime() - at.getTime()) / 1000);
  const behind = Math.min(since(replayedAt), since(watch.lastCurrentAt));
  return status(Number.isFinite(behind) ? behind : null);
}

/**
 * The replica's status, or null when the server is no replica (the primary itself). Readable by
 * any login: the WAL receiver's details need pg_read_all_stats, but its row (pid) shows it runs.
 */
export async function selectReplicaStatus(
  sql: Sql,
  watch: ReplicaWatch = createReplicaWatch(),
): Promise<ReplicaStatus | null> {
  const [row] = await sql`
    select pg_is_in_recovery() as standby,
      clock_timestamp() as checked_at,
      pg_last_xact_replay_timestamp() as replayed_at,
      coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::float8
        as pending_bytes,
      exists (select 1 from pg_stat_wal_receiver where pid is not null) as receiving`;
  if (!row?.standby) return null;
  return replicaStatusOf({
    checkedAt: row.checked_at as Date,
    replayedAt: row.replayed_at as Date | null,
    pendingBytes: Math.max(0, Number(row.pending_bytes)),
    receiving: row.receiving as boolean,
  }, watch);
}
