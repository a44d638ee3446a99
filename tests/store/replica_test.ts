import assert from "node:assert/strict";
import {
  createReplicaWatch,
  REPLICA_BEHIND_SECONDS,
  replicaProblem,
  type ReplicaReading,
  replicaState,
  replicaStatusOf,
} from "../../lib/store/replica.ts";

const at = (s: number) => new Date(Date.UTC(2026, 11, 6, 12, 0, 0) + s * 1000);

/** A reading at second `s` of a replica that last applied a commit from second `replayed`. */
function reading(s: number, replayed: number | null, pendingBytes: number, receiving = true) {
  return {
    checkedAt: at(s),
    replayedAt: replayed === null ? null : at(replayed),
    pendingBytes,
    receiving,
  } satisfies ReplicaReading;
}

Deno.test("a replica that applied all it received is current, however old its newest commit (an idle primary)", () => {
  const watch = createReplicaWatch();
  const status = replicaStatusOf(reading(3600, 0, 0), watch);
  assert.equal(status.behindSeconds, 0);
  assert.equal(replicaState(status), "current");
  assert.equal(replicaProblem(status), null);
  assert.deepEqual(watch.lastCurrentAt, at(3600), "remembered as current then");
});

Deno.test("WAL waiting to be applied: behind by the newest commit's age, at most since it was last seen current", () => {
  const watch = createReplicaWatch();
  // Never seen current: the age of the newest change applied.
  const first = replicaStatusOf(reading(100, 91.5, 8192), watch);
  assert.equal(first.behindSeconds, 8.5);
  assert.equal(replicaState(first), "behind");
  assert.equal(replicaProblem(first), "The read replica is 8.5 s behind the primary");
  // Current at 200 after an hour of quiet; WAL arrives: its wait counts from 200, not from 0.
  replicaStatusOf(reading(200, 0, 0), watch);
  const burst = replicaStatusOf(reading(200.4, 0, 120), watch);
  assert.ok(Math.abs(burst.behindSeconds! - 0.4) < 1e-9, String(burst.behindSeconds));
  assert.equal(replicaState(burst), "current", `under ${REPLICA_BEHIND_SECONDS} s`);
  // Still not applied 10 s later: behind.
  const stuck = replicaStatusOf(reading(210, 0, 4096), watch);
  assert.equal(stuck.behindSeconds, 10);
  assert.equal(replicaState(stuck), "behind");
  assert.deepEqual(watch.lastCurrentAt, at(200), "only a current reading moves the watch");
});

Deno.test("no WAL receiver: cut off from the primary, lag unknown; never applied nor seen current: behind by an unknown time", () => {
  const watch = createReplicaWatch();
  const cut = replicaStatusOf(reading(50, 40, 0, false), watch);
  assert.equal(cut.behindSeconds, null);
  assert.equal(replicaState(cut), "disconnected");
  assert.equal(replicaProblem(cut), "The read replica is not receiving from the primary");
  assert.equal(watch.lastCurrentAt, null, "a replica cut off is not current");
  const unknown = replicaStatusOf(reading(50, null, 100), watch);
  assert.equal(unknown.behindSeconds, null);
  assert.equal(replicaState(unknown), "behind");
  assert.match(replicaProblem(unknown)!, /behind the primary \(by how much is unknown yet\)/);
  // A replica whose clock is behind the primary's never shows a negative lag.
  assert.equal(replicaStatusOf(reading(10, 12, 64), createReplicaWatch()).behindSeconds, 0);
});
