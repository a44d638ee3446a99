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
      const { code, stdout, raw } = await runScript("consumer.ts", [...args], {
        ...env,
        KAFKA_BROKERS: "127.0.0.1:1",
        DATABASE_URL: "postgres://postgres@127.0.0.1:1/sales",
      });
      assert.equal(code, 2, raw.stderr);
      assert.equal(stdout, "");
      assert.match(
        raw.stderr,
        new RegExp(
          `^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ERROR METRICS_PORT=${port} cannot be used on 127\\.0\\.0\\.1 ` +
            "\\(address in use\\): another process, or another instance, listens there; give each " +
            "instance a port of its own, or 0 for none\\n$",
        ),
      );
    }
  } finally {
    busy.close();
  }
});

Deno.test("a bad or hostile LOG_FORMAT or --log-format stops the consumer, the dashboard and the producer in one line, exit 2", async () => {
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    [
      "consumer.ts",
      [],
      { LOG_FORMAT: "yaml" },
      /^error: LOG_FORMAT takes text or json, got "yaml"\n/,
    ],
    [
      "main.ts",
      ["--log-format", 'json\n{"level":"INFO"}'],
      {},
      /^error: --log-format takes text or json, got "json\n/,
    ],
    [
      "producer.ts",
      [],
      { LOG_FORMAT: "$(id)" },
      /^error: LOG_FORMAT takes text or json, got "\$\(id\)"\n/,
    ],
    [
      "consumer.ts",
      ["--log-format", "x".repeat(5000)],
      {},
      /^error: --log-format takes text or json, got "x{60}"\n/,
    ],
  ];
  for (const [script, args, env, pattern] of cases) {
    const { code, stdout, stderr } = await runScript(script, args, env);
    assert.equal(code, 2, `${script} ${JSON.stringify(env)}: ${stderr}`);
    assert.equal(stdout, "");
    assert.match(stderr, pattern);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  }
});

Deno.test("LOG_FORMAT=json makes each of the consumer's lines one JSON object with time, level, logger and msg; text gives time and level", async () => {
  for (const format of ["json", "text"]) {
    const { code, raw } = await runScript("consumer.ts", [], {
      LOG_FORMAT: format,
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/sales",
    });
    assert.equal(code, 1, raw.stderr);
    const lines = (raw.stdout + raw.stderr).trim().split("\n");
    assert.equal(lines.length, 2, raw.stdout + raw.stderr);
    for (const line of lines) {
      if (format === "text") {
        assert.match(line, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO|ERROR) \S/);
        continue;
      }
      const event = JSON.parse(line);
      assert.ok(!Number.isNaN(Date.parse(event.time)) && event.time.endsWith("Z"), line);
      assert.ok(["INFO", "ERROR"].includes(event.level), line);
      assert.equal(event.logger, "sales.consumer");
      assert.match(
        event.msg,
        /^(starting: consume|Cannot start consumer: Cannot reach PostgreSQL)/,
      );
    }
  }
});
