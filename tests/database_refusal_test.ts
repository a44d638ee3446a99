/**
 * The operator's PostgreSQL tasks (verify, rebuild, unstick) answer a PostgreSQL that does not
 * answer, a refused login or a refused statement with one sentence naming the setting, exit 1.
 */
import assert from "node:assert/strict";
import { roleUrl } from "../lib/infra/config.ts";
import { createTestDatabase } from "./helpers.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Runs scripts/<task>.ts with the arguments; its exit code and output. */
async function task(name: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/${name}.ts`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** Asserts one line on stderr, no stack trace, exit 1. */
function assertOneSentence(
  out: { code: number; stdout: string; stderr: string },
  sentence: RegExp,
  what: string,
) {
  assert.equal(out.code, 1, `${what}: ${out.stderr}`);
  assert.equal(out.stdout, "", what);
  assert.match(
    out.stderr,
    /^error: [^\n]+\n$/,
    `${what}: one line, no stack trace:\n${out.stderr}`,
  );
  assert.match(out.stderr, sentence, what);
  assert.doesNotMatch(out.stderr, /Uncaught|Error:/, what);
}

const TASKS: [string, string[]][] = [
  ["verify", []],
  ["rebuild", []],
  ["unstick", []],
  ["unstick", ["--partition", "0", "--yes"]],
];

Deno.test("verify, rebuild and unstick with PostgreSQL not answering say so in one sentence naming DATABASE_URL, exit 1", async () => {
  for (const [name, args] of TASKS) {
    const out = await task(name, [
      ...args,
      "--database-url",
      "postgres://postgres@127.0.0.1:1/sales",
    ]);
    assertOneSentence(
      out,
      /^error: Cannot reach PostgreSQL at 127\.0\.0\.1:1 \(.*\); start it with `deno task up` or set DATABASE_URL; nothing (was checked|was rebuilt|changed)\n$/,
      `${name} ${args.join(" ")}`,
    );
  }
});

Deno.test("verify, rebuild and unstick with a refused login say so in one sentence naming DATABASE_URL, exit 1", async () => {
  const db = await createTestDatabase();
  try {
    const u = new URL(db.url);
    u.username = `no_such_role_${crypto.randomUUID().slice(0, 8)}`;
    const url = u.toString();
    for (const [name, args] of TASKS) {
      const out = await task(name, [...args, "--database-url", url]);
      assertOneSentence(
        out,
        /^error: PostgreSQL refused user "no_such_role_\w+" at [^ ]+ \(role "no_such_role_\w+" does not exist\); fix DATABASE_URL; nothing/,
        `${name} ${args.join(" ")}`,
      );
    }
    // A login that works but may not write: the read-only role rebuilding.
    const reader = await task("rebuild", ["--database-url", roleUrl(db.url, "sales_reader")]);
    assertOneSentence(
      reader,
      /^error: PostgreSQL user "sales_reader" at .*permission denied.*; fix DATABASE_URL or grant it; nothing was rebuilt\n$/,
      "rebuild as sales_reader",
    );
  } finally {
    await db.close();
  }
});
