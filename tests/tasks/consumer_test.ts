import assert from "node:assert/strict";
import { runScript } from "../support/tasks.ts";

Deno.test("a bad --session-timeout or CONSUMER_SESSION_TIMEOUT is refused with a sentence and exit 2", async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [
      ["--session-timeout", "5"],
      {},
      /^error: --session-timeout must be whole seconds from 6 to 1800 .*got "5"/,
    ],
    [
      ["--session-timeout", "soon"],
      {},
      /^error: --session-timeout must be whole seconds .*got "soon"/,
    ],
    [
      [],
      { CONSUMER_SESSION_TIMEOUT: "2.5" },
      /^error: CONSUMER_SESSION_TIMEOUT must be whole seconds .*got "2.5"/,
    ],
    [
      [],
      { CONSUMER_SESSION_TIMEOUT: "1801" },
      /^error: CONSUMER_SESSION_TIMEOUT must be whole seconds .*got "1801"/,
    ],
  ];
  for (const [args, env, pattern] of cases) {
    const { code, stderr } = await runScript("consumer.ts", args, env);
    assert.equal(code, 2, `${args.join(" ")} ${JSON.stringify(env)}: ${stderr}`);
    assert.match(stderr, pattern);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  }
});

Deno.test("the consumer says what to do when PostgreSQL does not answer, exit 1", async () => {
  const { code, stderr } = await runScript("consumer.ts", [
    "--database-url",
    "postgres://postgres@127.0.0.1:1/sales",
  ]);
  assert.equal(code, 1);
  assert.match(
    stderr,
    /Cannot start consumer: Cannot reach PostgreSQL at 127.0.0.1:1 .*deno task up/,
  );
});
