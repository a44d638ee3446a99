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

Deno.test("a bad or hostile METRICS_PORT, --metrics-port or METRICS_HOST is refused in one line, exit 2", async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [["--metrics-port", "65536"], {}, /^error: --metrics-port must be a port from 1 to 65535/],
    [
      ["--metrics-port", "9464; curl x"],
      {},
      /^error: --metrics-port must be a port .*got "9464; curl x"/,
    ],
    [[], { METRICS_PORT: "-1" }, /^error: METRICS_PORT must be a port .*got "-1"/],
    [[], { METRICS_PORT: "0x2000" }, /^error: METRICS_PORT must be a port .*got "0x2000"/],
    [[], { METRICS_HOST: "http://0.0.0.0:9464/" }, /^error: METRICS_HOST must be a host name/],
    [
      ["--metrics-host", "$(id)"],
      {},
      /^error: --metrics-host must be a host name .*got "\$\(id\)"/,
    ],
  ];
  for (const [args, env, pattern] of cases) {
    const { code, stderr } = await runScript("consumer.ts", args, env);
    assert.equal(code, 2, `${args.join(" ")} ${JSON.stringify(env)}: ${stderr}`);
    assert.match(stderr, pattern);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  }
});

Deno.test("a busy METRICS_PORT stops the consumer in one line naming it, exit 2, before it touches Kafka or PostgreSQL", async () => {
  const busy = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (busy.addr as Deno.NetAddr).port;
  try {
    for (
      const [args, env] of [[[], { METRICS_PORT: String(port) }], [
        ["--metrics-port", String(port)],
        {},
      ]] as const
    ) {
      // Neither service exists: reaching for either would say so instead.
      const { code, stdout, stderr } = await runScript("consumer.ts", [...args], {
        ...env,
        KAFKA_BROKERS: "127.0.0.1:1",
        DATABASE_URL: "postgres://postgres@127.0.0.1:1/sales",
      });
      assert.equal(code, 2, stderr);
      assert.equal(stdout, "");
      assert.equal(
        stderr,
        `error: METRICS_PORT=${port} cannot be used on 127.0.0.1 (address in use): another ` +
          "process, or another instance, listens there; give each instance a port of its own, " +
          "or 0 for none\n",
      );
    }
  } finally {
    busy.close();
  }
});
