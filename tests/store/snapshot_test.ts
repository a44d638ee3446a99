import assert from "node:assert/strict";
import { createSnapshotStore, type Snapshot } from "../../lib/store/snapshot.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A loader whose n-th load resolves to a snapshot tagged n, after `ms`. */
function slowLoader(ms: number) {
  let loads = 0;
  const load = async () => {
    const n = ++loads;
    await sleep(ms);
    return { tag: n } as unknown as Snapshot;
  };
  return { load, loads: () => loads };
}
const tagOf = (s: Snapshot | null) => (s as unknown as { tag: number } | null)?.tag;

Deno.test("a recent snapshot is served at once while the next one loads, then the new one", async () => {
  const loader = slowLoader(80);
  const store = createSnapshotStore(loader.load, { reuseMs: 20, staleMs: 10_000 });
  assert.equal(tagOf((await store.read()).snapshot), 1); // nothing yet: waits for the first load
  await sleep(30);
  const started = performance.now();
  assert.equal(tagOf((await store.read()).snapshot), 1); // past reuseMs: #1 at once, #2 loading
  assert.ok(performance.now() - started < 40, "did not wait for the load");
  assert.equal(loader.loads(), 2);
  await store.settled();
  assert.equal(tagOf((await store.read()).snapshot), 2);
  assert.equal(loader.loads(), 2, "a fresh snapshot is reused");
});

Deno.test("while a slow load runs, its readers get the last snapshot at once instead of queueing", async () => {
  const loader = slowLoader(120);
  const store = createSnapshotStore(loader.load, { reuseMs: 10, staleMs: 10 });
  assert.equal(tagOf((await store.read()).snapshot), 1);
  await sleep(20);
  const first = store.read(); // starts load #2 and waits for it: the snapshot is past staleMs
  await sleep(10);
  const started = performance.now();
  assert.equal(tagOf((await store.read()).snapshot), 1, "a reader during the load is not held");
  assert.ok(performance.now() - started < 60, "did not queue behind the running load");
  assert.equal(tagOf((await first).snapshot), 2);
  assert.equal(loader.loads(), 2);
});

Deno.test("a snapshot older than staleMs is not served: the read waits for the new one", async () => {
  const loader = slowLoader(30);
  const store = createSnapshotStore(loader.load, { reuseMs: 10, staleMs: 10 });
  assert.equal(tagOf((await store.read()).snapshot), 1);
  await sleep(20);
  assert.equal(tagOf((await store.read()).snapshot), 2);
});

Deno.test("after a failed load the next read waits for a new attempt instead of serving stale data", async () => {
  let fail = false;
  let loads = 0;
  const store = createSnapshotStore(() => {
    loads++;
    return fail
      ? Promise.reject(Object.assign(new Error("down"), { code: "ECONNREFUSED" }))
      : Promise.resolve({ tag: loads } as unknown as Snapshot);
  }, { reuseMs: 0, staleMs: 10_000 });
  assert.equal(tagOf((await store.read()).snapshot), 1);
  fail = true;
  await sleep(1);
  // Served at once (stale), the failing load runs behind it.
  assert.equal((await store.read()).problem, null);
  await store.settled();
  const state = await store.read();
  assert.equal(tagOf(state.snapshot), 1, "the last good snapshot is kept");
  assert.equal(state.problem, "PostgreSQL is unreachable (ECONNREFUSED)");
  fail = false;
  const recovered = await store.read();
  assert.equal(recovered.problem, null);
  assert.equal(tagOf(recovered.snapshot), loads);
});

Deno.test("a slow selection is reused for as long as its load took, then served at once while the next loads", async () => {
  const loader = slowLoader(150);
  const store = createSnapshotStore(loader.load, {
    reuseMs: 10,
    staleMs: 10,
    busyStaleMs: 10_000,
    slowLoadMs: 100,
  });
  assert.equal(tagOf((await store.read()).snapshot), 1); // the first load: waited for
  await sleep(50);
  assert.equal(tagOf((await store.read()).snapshot), 1);
  assert.equal(loader.loads(), 1, "within the time its load took: no new load");
  await sleep(120); // past the 150 ms the load took, and past staleMs
  const started = performance.now();
  const state = await store.read();
  assert.ok(performance.now() - started < 60, "a reader does not wait for a load known to be slow");
  assert.equal(tagOf(state.snapshot), 1);
  assert.equal(state.problem, null);
  assert.equal(loader.loads(), 2, "the next load started");
  await store.settled();
  assert.equal(tagOf((await store.read()).snapshot), 2);
  assert.equal(loader.loads(), 2);
});

Deno.test("a slow selection not looked at for busyStaleMs is loaded again before it is served", async () => {
  const loader = slowLoader(60);
  const store = createSnapshotStore(loader.load, {
    reuseMs: 10,
    staleMs: 10,
    busyStaleMs: 100,
    slowLoadMs: 50,
  });
  assert.equal(tagOf((await store.read()).snapshot), 1);
  await sleep(130); // older than busyStaleMs: too old to show, even for a slow selection
  assert.equal(tagOf((await store.read()).snapshot), 2);
  assert.equal(loader.loads(), 2);
});

Deno.test("a fast selection keeps the short reuse: a read past staleMs waits for a new load", async () => {
  const loader = slowLoader(20);
  const store = createSnapshotStore(loader.load, {
    reuseMs: 10,
    staleMs: 10,
    busyStaleMs: 10_000,
    slowLoadMs: 1_000,
  });
  assert.equal(tagOf((await store.read()).snapshot), 1);
  await sleep(30);
  assert.equal(tagOf((await store.read()).snapshot), 2);
  await sleep(30);
  assert.equal(tagOf((await store.read()).snapshot), 3);
});

Deno.test("a load cancelled by the statement timeout is named as such, not as an unreachable server", async () => {
  let loads = 0;
  const store = createSnapshotStore(() => {
    loads++;
    return loads === 1 ? Promise.resolve({ tag: 1 } as unknown as Snapshot) : Promise.reject(
      Object.assign(new Error("canceling statement due to statement timeout"), {
        code: "57014",
      }),
    );
  }, { reuseMs: 0, staleMs: 0 });
  assert.equal(tagOf((await store.read()).snapshot), 1);
  await sleep(1);
  const state = await store.read();
  assert.equal(tagOf(state.snapshot), 1, "the last good snapshot is kept");
  assert.equal(
    state.problem,
    "PostgreSQL took longer than the statement timeout to read this selection",
  );
});
