import assert from "node:assert/strict";
import { config } from "../support/services.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/**
 * A child process that, like the consumer, opens transactions with postgres.js and has the server
 * end its session inside one (here by terminating its own backend), `times` times over; then it
 * reads once more. `guarded`: through renewingClient(), as the consumer does.
 */
function childSource(guarded: boolean, times: number): string {
  return `
import postgres from "postgres";
import { renewingClient } from "${ROOT}lib/infra/db.ts";
const open = () => postgres(${
    JSON.stringify(config.database.owner.url)
  }, { max: 1, onnotice: () => {} });
let renewed = 0;
const sql = ${guarded ? "renewingClient(open(), open, () => renewed++)" : "open()"};
for (let i = 0; i < ${times}; i++) {
  try {
    await sql.begin(async (tx) => {
      await tx\`select 1\`;
      await tx\`select pg_terminate_backend(pg_backend_pid())\`;
    });
  } catch { /* the transaction is rejected; postgres.js then sends ROLLBACK on the dead session */ }
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const [row] = await sql.begin((tx) => tx\`select 40 + 2 as answer\`);
console.log(\`went on: answer \${row.answer}, client renewed \${renewed} times\`);
await sql.end();
`;
}

/**
 * A child process like the consumer at a crash of PostgreSQL: two transactions open at once on two
 * sessions, both ended by the server (another session terminates them), `times` times over; each
 * failure renews the client at once, as the consumer's retries do (renewClient).
 */
function twoSessionsSource(times: number): string {
  return `
import postgres from "postgres";
import { renewClient, renewingClient } from "${ROOT}lib/infra/db.ts";
const url = ${JSON.stringify(config.database.owner.url)};
const open = () => postgres(url, { max: 2, onnotice: () => {}, backoff: () => 0.25 });
const sql = renewingClient(open(), open);
const codes = new Set();
for (let i = 0; i < ${times}; i++) {
  const pids = [];
  const run = () => sql.begin(async (tx) => {
    const [r] = await tx\`select pg_backend_pid() as pid\`;
    pids.push(r.pid);
    await tx\`select pg_sleep(0.3)\`;
  }).catch((error) => {
    codes.add(error.code);
    renewClient(sql);
  });
  const both = Promise.all([run(), run()]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const killer = postgres(url, { max: 1, onnotice: () => {} });
  await killer\`select pg_terminate_backend(pid) from pg_stat_activity where pid = any(\${pids}::int[])\`;
  await killer.end();
  await both;
}
const [row] = await sql.begin((tx) => tx\`select 40 + 2 as answer\`);
console.log(\`went on: answer \${row.answer}; \${[...codes].sort().join(", ")}\`);
await sql.end();
`;
}

async function runChild(source: string) {
  const file = `${ROOT}.local/closed-session-${crypto.randomUUID()}.ts`;
  await Deno.mkdir(`${ROOT}.local`, { recursive: true });
  await Deno.writeTextFile(file, source);
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

Deno.test("a session PostgreSQL ends inside a transaction is contained: the client is renewed and the process goes on, no stack trace", async () => {
  // Without the guard, postgres.js's ROLLBACK on the closed session throws outside any promise.
  const bare = await runChild(childSource(false, 5));
  assert.notEqual(bare.code, 0, bare.stdout + bare.stderr);
  assert.match(bare.stderr, /Cannot read properties of null \(reading 'write'\)/);

  const guarded = await runChild(childSource(true, 5));
  assert.equal(guarded.code, 0, guarded.stdout + guarded.stderr);
  assert.equal(guarded.stderr, "");
  assert.equal(guarded.stdout.trim(), "went on: answer 42, client renewed 5 times");
});

Deno.test("two transactions cut at once, their client renewed at each failure: the process goes on (no crash of the immediate queue)", async () => {
  const out = await runChild(twoSessionsSource(20));
  assert.equal(out.code, 0, out.stdout + out.stderr);
  assert.equal(out.stderr, "");
  assert.match(out.stdout.trim(), /^went on: answer 42; CONNECTION_CLOSED/);
});
