import assert from "node:assert/strict";
import { replicaStatusOf } from "../../../lib/store/replica.ts";
import { ReplicaStatusLine, replicaView } from "../../../views/shared/replica_status.tsx";

const at = (s: number) => new Date(new Date(2026, 11, 6, 12, 0, 0).getTime() + s * 1000);

/** The line rendered for a reading at second `s` (the watch seen current at second 0). */
async function line(
  s: number,
  replayed: number | null,
  pendingBytes: number,
  receiving = true,
  problem: string | null = null,
) {
  const watch = { lastCurrentAt: at(0) };
  const status = replicaStatusOf({
    checkedAt: at(s),
    replayedAt: replayed === null ? null : at(replayed),
    pendingBytes,
    receiving,
  }, watch);
  const html = String(await ReplicaStatusLine({ replica: replicaView(status, problem, "UTC") }));
  const attr = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(html)?.[1];
  return {
    state: attr("data-replica"),
    behind: attr("data-replica-behind"),
    asOf: attr("data-replica-as-of"),
    text: html.replace(/<[^>]+>/g, ""),
    alert: /role="status"/.test(html),
  };
}

Deno.test("the replica line says how far behind the primary the numbers are, a warning unless current", async () => {
  assert.deepEqual(await line(30, 5, 0), {
    state: "current",
    behind: "0.0",
    asOf: at(5).toISOString(),
    text:
      "Read replica, current: it applied all the primary sent (newest change applied 12:00:05 UTC).",
    alert: false,
  });
  const catching = await line(3, 2.6, 900);
  assert.equal(catching.state, "current");
  assert.equal(catching.behind, "0.4");
  assert.equal(
    catching.text,
    "Read replica, 0.4 s behind the primary (newest change applied 12:00:02 UTC).",
  );
  const behind = await line(42, 1, 900);
  assert.deepEqual([behind.state, behind.behind, behind.alert], ["behind", "41.0", true]);
  assert.equal(
    behind.text,
    "Read replica 41.0 s behind the primary (newest change applied 12:00:01 UTC).",
  );
  const cut = await line(42, 1, 0, false);
  assert.deepEqual([cut.state, cut.behind, cut.alert], ["disconnected", "", true]);
  assert.match(
    cut.text,
    /^Read replica not receiving from the primary: newer sales may be missing/,
  );
  const gone = await line(42, 1, 0, true, "The read replica is unreachable (ECONNREFUSED)");
  assert.deepEqual([gone.state, gone.alert], ["unreachable", true]);
  assert.match(gone.text, /^Read replica unreachable: the numbers are the last read/);
  const fresh = await line(1, null, 0);
  assert.match(fresh.text, /\(no change applied since it started\)\.$/);
});

Deno.test("reading the primary: no replica line", async () => {
  assert.equal(replicaView(null, null, "UTC"), null);
  assert.equal(await ReplicaStatusLine({ replica: null }), null);
});
