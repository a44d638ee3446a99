import assert from "node:assert/strict";
import { config } from "../support/services.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * A child process that, like the consumer, opens transactions with postgres.js and has the server
 * end its session inside one (here by terminating its own backend), `times` times over.
 */
function childSource(guarded: boolean, times: number): string {
  return `
import postgres from "postgres";
import { exitOnClosedSessionWrite } from "${ROOT}lib/infra/db.ts";
${guarded ? 'exitOnClosedSessionWrite("the test transaction");' : ""}
const sql = postgres(${JSON.stringify(config.database.owner.url)}, { max: 1, onnotice: () => {} });
for (let i = 0; i < ${times}; i++) {
  try {
    await sql.begin(async (tx) => {
      await tx\`select 1\`;
      await tx\`select pg_terminate_backend(pg_backend_pid())\`;
    });
  } catch { /* the transaction is rejected; postgres.js then sends ROLLBACK on the dead session */ }
  await new Promise((resolve) => setTimeout(resolve, 50));
}
console.log("went on");
await sql.end();
`;
}

async function runChild(guarded: boolean) {
  const file = `${ROOT}.local/closed-session-${crypto.randomUUID()}.ts`;
  await Deno.mkdir(`${ROOT}.local`, { recursive: true });
  await Deno.writeTextFile(file, childSource(guarded, 5));
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", file],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } finally {
    await Deno.remove(file);
  }
}

Deno.test("a session PostgreSQL ends inside a transaction stops the process with one line and exit 1, not a stack trace", async () => {
  // Without the guard, postgres.js's ROLLBACK on the closed session throws outside any promise.
  const bare = await runChild(false);
  assert.notEqual(bare.code, 0, bare.stdout + bare.stderr);
  assert.match(bare.stderr, /Cannot read properties of null \(reading 'write'\)/);

  const guarded = await runChild(true);
  assert.equal(guarded.code, 1, guarded.stdout + guarded.stderr);
  assert.equal(
    guarded.stderr.trim(),
    "Cannot go on with the test transaction: PostgreSQL ended this process's session inside a " +
      "transaction (paused for longer than the session timeout, or the server restarted); nothing " +
      "of that transaction was stored, and a restart resumes from the stored offsets",
  );
  assert.doesNotMatch(guarded.stdout, /went on/);
});
