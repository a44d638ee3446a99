import assert from "node:assert/strict";
import { createRenderCache } from "../../routes/render_cache.ts";

Deno.test("a rendering is reused while its inputs are the same objects, and redone when one changes", async () => {
  const cache = createRenderCache();
  let renders = 0;
  const render = (text: string) => () => Promise.resolve(`${text} #${++renders}`);
  const snapshot = { sales: 1 };
  assert.equal(await cache.get("kpis", [snapshot, null], render("a")), "a #1");
  assert.equal(await cache.get("kpis", [snapshot, null], render("a")), "a #1");
  // An equal but different object is new data: rendered again.
  assert.equal(await cache.get("kpis", [{ sales: 1 }, null], render("b")), "b #2");
  assert.equal(
    await cache.get("kpis", [{ sales: 1 }, "PostgreSQL is unreachable"], render("c")),
    "c #3",
  );
  // Keys are separate.
  assert.equal(await cache.get("charts", [snapshot, null], render("d")), "d #4");
  assert.equal(renders, 4);
});

Deno.test("a failed rendering is not kept", async () => {
  const cache = createRenderCache();
  const inputs = [{}];
  await assert.rejects(cache.get("kpis", inputs, () => Promise.reject(new Error("boom"))), /boom/);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(await cache.get("kpis", inputs, () => Promise.resolve("ok")), "ok");
});
