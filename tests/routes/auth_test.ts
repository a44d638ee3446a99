import assert from "node:assert/strict";
import { Hono } from "hono";
import { FailedLogins, requireToken } from "../../routes/auth.ts";

Deno.test("wrong dashboard tokens are answered later and later, then refused with 429 without a check", async () => {
  const token = "right-token-0123456789";
  const app = new Hono()
    .use(
      requireToken(
        token,
        new FailedLogins({ delayMs: 150, maxDelayMs: 400, limit: 4, windowMs: 3_000 }),
      ),
    )
    .get("/", (c) => c.text("ok"));
  const ask = async (authorization?: string) => {
    const started = performance.now();
    const res = await app.request("/", { headers: authorization ? { authorization } : {} });
    return {
      status: res.status,
      ms: performance.now() - started,
      retry: res.headers.get("retry-after"),
      body: await res.text(),
    };
  };
  assert.equal((await ask()).status, 401, "no token: 401 at once");
  assert.ok((await ask()).ms < 100, "a missing token is not slowed down");
  const waits: number[] = [];
  for (let i = 0; i < 4; i++) {
    const answer = await ask("Bearer wrong");
    assert.equal(answer.status, 401);
    waits.push(answer.ms);
  }
  assert.ok(
    waits[0]! >= 145 && waits[1]! >= 295 && waits[2]! >= 395 && waits[3]! >= 395,
    `waits ${waits.map(Math.round)}`,
  );
  assert.equal(
    (await ask(`Bearer ${token}`)).status,
    429,
    "locked out: even the right token waits",
  );
  const locked = await ask("Bearer wrong");
  assert.equal(locked.status, 429);
  assert.ok(Number(locked.retry) >= 1 && Number(locked.retry) <= 3, `Retry-After ${locked.retry}`);
  assert.ok(locked.ms < 100, "a locked-out request is answered at once");
  assert.ok(!locked.body.includes(token));
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  assert.equal((await ask(`Bearer ${token}`)).status, 200, "the window passed");
});

Deno.test("a wrong token counts for its client address only", async () => {
  const failed = new FailedLogins({ delayMs: 0, limit: 2 });
  await failed.failed("10.0.0.1");
  await failed.failed("10.0.0.1");
  assert.ok(failed.lockedFor("10.0.0.1") > 0);
  assert.equal(failed.lockedFor("10.0.0.2"), 0);
});
