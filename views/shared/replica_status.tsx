/**
 * The read replica's line: how far behind its primary the numbers shown are, or that the replica
 * is cut off from the primary or unreachable. Nothing when the page reads the primary.
 */
import { type ReplicaState, replicaState, type ReplicaStatus } from "../../lib/store/replica.ts";
import { clock } from "./display.ts";

/** What the line shows of the replica. */
export interface ReplicaView {
  /** "unreachable" when the last read failed (the page shows the last good data) */
  state: ReplicaState | "unreachable";
  behindSeconds: number | null;
  /** the primary's commit time of the newest change the replica applied */
  replayedAt: Date | null;
  /** the zone its time is shown in (the page's) */
  timeZone: string;
}

/**
 * The replica's view from the last good snapshot's status and the store's problem; null when that
 * snapshot was not read from a replica.
 */
export function replicaView(
  status: ReplicaStatus | null | undefined,
  problem: string | null,
  timeZone: string,
): ReplicaView | null {
  if (!status) return null;
  return {
    state: problem === null ? replicaState(status) : "unreachable",
    behindSeconds: status.behindSeconds,
    replayedAt: status.replayedAt,
    timeZone,
  };
}

/** The replica's status line (a warning unless current). */
export function ReplicaStatusLine({ replica }: { replica: ReplicaView | null }) {
  if (!replica) return null;
  const { state, behindSeconds, replayedAt, timeZone } = replica;
  const newest = replayedAt
    ? (
      <>
        newest change applied{" "}
        <time datetime={replayedAt.toISOString()}>{clock(replayedAt, timeZone)}</time>
      </>
    )
    : "no change applied since it started";
  const behind = behindSeconds === null ? "" : behindSeconds.toFixed(1);
  return (
    <p
      class={state === "current" ? "replica" : "replica stale"}
      role={state === "current" ? undefined : "status"}
      data-replica={state}
      data-replica-behind={behind}
      data-replica-as-of={replayedAt?.toISOString()}
    >
      {state === "current" &&
        (behindSeconds === 0
          ? <>Read replica, current: it applied all the primary sent ({newest}).</>
          : <>Read replica, {behind} s behind the primary ({newest}).</>)}
      {state === "behind" &&
        (behindSeconds === null
          ? <>Read replica behind the primary by an unknown time ({newest}).</>
          : <>Read replica {behind} s behind the primary ({newest}).</>)}
      {state === "disconnected" && (
        <>
          Read replica not receiving from the primary: newer sales may be missing ({newest}).
        </>
      )}
      {state === "unreachable" && (
        <>Read replica unreachable: the numbers are the last read ({newest}).</>
      )}
    </p>
  );
}
