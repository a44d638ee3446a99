import assert from "node:assert/strict";
import { MAX_MESSAGE_BYTES } from "../lib/core/decode.ts";
import { brokerAnswers } from "../lib/infra/kafka.ts";
import { freePort } from "./browser.ts";
import {
  config,
  createTestDatabase,
  createTestTopic,
  readAllMessages,
  sampleRecords,
  testKafka,
  uniqueSuffix,
  waitFor,
} from "./helpers.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** Runs a project script with Deno and returns its exit code and output. */
async function runScript(script: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}${script}`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

const ENTRYPOINTS = [
  "producer.ts",
  "consumer.ts",
  "main.ts",
  "scripts/up.ts",
  "scripts/down.ts",
  "scripts/demo.ts",
  "scripts/test.ts",
  "scripts/verify.ts",
  "scripts/rebuild.ts",
  "scripts/bench.ts",
  "scripts/bench_write.ts",
  "scripts/unstick.ts",
  "reports.ts",
];

Deno.test("every task answers --help with its usage and its settings, exit 0", async () => {
  for (const script of ENTRYPOINTS) {
    const { code, stdout } = await runScript(script, ["--help"]);
    assert.equal(code, 0, script);
    assert.match(stdout, /^Usage: deno task /, script);
    // Which settings each lists, exactly: tests/settings_test.ts.
    assert.match(
      stdout,
      /\n\nSettings \(an environment variable, or its flag, which wins;/,
      script,
    );
    assert.match(stdout, /\n {2}DATABASE_URL {2,}|\n {2}KAFKA_BROKERS {2,}/, script);
  }
});

Deno.test("deno task reports --help lists every setting of the reports process, exit 0", async () => {
  const settings = await Deno.readTextFile(
    `${ROOT}streams/src/main/java/local/salesstream/reports/app/Settings.java`,
  );
  const names = [...settings.matchAll(/new Def\("([A-Z_]+)", "(--[a-z-]+)"/g)];
  assert.ok(names.length >= 20, `${names.length} settings found in Settings.java`);
  const { code, stdout } = await runScript("reports.ts", ["--help"]);
  assert.equal(code, 0, stdout);
  for (const [, env, flag] of names) {
    assert.match(stdout, new RegExp(`\\n  ${env} +${flag} +default `), env);
  }
  for (const what of ["REPORTS_GROUP", "REPORTS_INSTANCES", "REPORTS_MEMORY_MB"]) {
    assert.ok(names.some(([, env]) => env === what), `${what} is a setting`);
  }
  assert.match(stdout, /REPORTS_DEDUPE_DAYS +--dedupe-days +default 90\n.*counted again/);
  assert.match(stdout, /CARD_HASH_SECRET +\(environment only\)/);
  assert.ok(
    stdout.replace(/\s+/g, " ").includes(
      "REPORTS_INSTANCE_ID --instance-id this instance's id, unique and stable across restarts " +
        "(its static group membership) (default: `<host>-<n>`, the lowest n not running on this " +
        "machine)",
    ),
    "the launcher's defaults",
  );
});

Deno.test("an unknown flag or a bad setting is refused with a sentence and exit 2", async () => {
  const unknown = await runScript("producer.ts", ["--sauce"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--sauce/);
  const badDelay = await runScript("producer.ts", ["--delay", "soon"]);
  assert.equal(badDelay.code, 2);
  assert.match(badDelay.stderr, /--delay takes seconds/);
  const badBrokers = await runScript("consumer.ts", [], { KAFKA_BROKERS: "nohost" });
  assert.equal(badBrokers.code, 2);
  assert.match(badBrokers.stderr, /KAFKA_BROKERS has "nohost"/);
  const missing = await runScript("producer.ts", ["--source", "/nonexistent/sales.json"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Cannot read \/nonexistent\/sales.json/);
  const reports = await runScript("reports.ts", ["--memory-mb", "lots"]);
  assert.equal(reports.code, 2);
  assert.match(
    reports.stderr,
    /sales-reports: REPORTS_MEMORY_MB must be a whole number, got "lots"/,
  );
});

Deno.test("deno task bench:write refuses a count that is not a whole number above 0, exit 2", async () => {
  for (const args of [["--n", "0"], ["--batch", "many"], ["--writers", "1,-2"]]) {
    const { code, stderr } = await runScript("scripts/bench_write.ts", args);
    assert.equal(code, 2, args.join(" "));
    assert.match(stderr, new RegExp(`${args[0]} must be a whole number above 0`), args.join(" "));
    assert.match(stderr, /Usage: deno task bench:write/);
  }
});

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

Deno.test("a bad --concurrency or --only is refused with a sentence and exit 2, nothing stopped", async () => {
  const concurrency = await runScript("consumer.ts", ["--concurrency", "many"]);
  assert.equal(concurrency.code, 2);
  assert.match(concurrency.stderr, /^error: --concurrency must be a whole number above 0/);
  assert.doesNotMatch(concurrency.stderr, /\n\s+at /, "no stack trace");
  for (const script of ["scripts/down.ts", "scripts/up.ts"]) {
    const typo = await runScript(script, ["--only", "kafak"]);
    assert.equal(typo.code, 2, script);
    assert.match(typo.stderr, /--only takes kafka or postgres, got "kafak"/, script);
    assert.equal(typo.stdout, "", `${script} did nothing`);
  }
  assert.ok(await brokerAnswers(config.kafkaBrokers), "the broker still runs");
});

Deno.test("a bad cluster size, Kafka release or cluster address list is refused in one line, exit 2, nothing started", async () => {
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    [
      "scripts/up.ts",
      ["--cluster-size", "0"],
      {},
      /--cluster-size must be a whole number of brokers from 1 to 5, got "0"/,
    ],
    [
      "scripts/up.ts",
      ["--cluster-size=-1"],
      {},
      /--cluster-size must be a whole number of brokers from 1 to 5, got "-1"/,
    ],
    [
      "scripts/up.ts",
      ["--cluster-size", "x"],
      {},
      /--cluster-size must be a whole number of brokers from 1 to 5, got "x"/,
    ],
    [
      "scripts/up.ts",
      ["--cluster-size", "6"],
      {},
      /--cluster-size must be a whole number of brokers from 1 to 5, got "6"/,
    ],
    ["scripts/up.ts", ["--cluster-size", "2.5"], {}, /got "2.5"/],
    ["scripts/down.ts", ["--cluster-size", "0"], {}, /--cluster-size must be a whole number/],
    [
      "scripts/up.ts",
      [],
      { KAFKA_CLUSTER_SIZE: "three" },
      /KAFKA_CLUSTER_SIZE must be a whole number of brokers from 1 to 5, got "three"/,
    ],
    [
      "scripts/down.ts",
      [],
      { KAFKA_CLUSTER_SIZE: "-1" },
      /KAFKA_CLUSTER_SIZE must be a whole number/,
    ],
    [
      "scripts/up.ts",
      ["--kafka-version", "5.0.0"],
      {},
      /--kafka-version takes 4\.4\.0 or 3\.9\.1, got "5\.0\.0"/,
    ],
    [
      "scripts/up.ts",
      [],
      { KAFKA_VERSION: "latest" },
      /KAFKA_VERSION takes 4\.4\.0 or 3\.9\.1, got "latest"/,
    ],
    [
      "scripts/up.ts",
      ["--cluster-size", "3", "--brokers", "localhost:29092,localhost:29094"],
      {},
      /KAFKA_BROKERS lists 2 brokers for a cluster of 3: list 3, or one/,
    ],
    [
      "scripts/up.ts",
      ["--cluster-size", "2", "--brokers", "localhost:29092,localhost:29093"],
      {},
      /each broker needs its port and the next one \(its controller\)/,
    ],
    ["scripts/up.ts", ["--cluster-size", "3", "--secure"], {}, /--secure starts one broker/],
    [
      "scripts/test.ts",
      [],
      { FLEET_KAFKA_VERSIONS: "4.4.0,2.8" },
      /FLEET_KAFKA_VERSIONS lists "2\.8"; the releases are 4\.4\.0, 3\.9\.1/,
    ],
    [
      "scripts/test.ts",
      [],
      { FLEET_KAFKA_PORT: "ninety" },
      /FLEET_KAFKA_PORT must be a port from 1024 to 65535, got "ninety"/,
    ],
    [
      "scripts/test.ts",
      [],
      { FLEET_KAFKA_PORT: "60000" },
      /FLEET_KAFKA_PORT 60000 leaves no room for 2 clusters of 3 brokers/,
    ],
  ];
  for (const [script, args, env, message] of cases) {
    const what = `${script} ${args.join(" ")} ${JSON.stringify(env)}`;
    const { code, stdout, stderr } = await runScript(script, args, env);
    assert.equal(code, 2, what);
    assert.match(stderr, /^error: /, what);
    assert.match(stderr.split("\n")[0]!, message, what);
    assert.doesNotMatch(stderr, /\n\s+at /, `${what}: no stack trace`);
    assert.equal(stdout, "", `${what}: nothing started`);
  }
  assert.ok(await brokerAnswers(config.kafkaBrokers), "the broker still runs");
});

Deno.test("a secret in a flag, or a bad security setting, is refused in one sentence naming the setting, exit 2, never shown", async () => {
  const secret = `s3cret-${crypto.randomUUID()}`;
  const notPem = await Deno.makeTempFile();
  const empty = await Deno.makeTempFile();
  await Deno.writeTextFile(notPem, secret);
  const sasl = {
    KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
    KAFKA_USERNAME: "producer",
    KAFKA_PASSWORD_FILE: "/nonexistent/password",
  };
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    [
      "producer.ts",
      [`--kafka-password=${secret}`],
      {},
      /^error: --kafka-password is not accepted: process arguments are visible to every user of this machine; put the secret in a file and set KAFKA_PASSWORD_FILE$/,
    ],
    [
      "main.ts",
      ["--dashboard-token", secret],
      {},
      /^error: --dashboard-token is not accepted: .*set DASHBOARD_TOKEN_FILE$/,
    ],
    [
      "consumer.ts",
      ["--database-url", `postgres://postgres:${secret}@localhost/sales`],
      {},
      /^error: --database-url holds a password, .*DATABASE_PASSWORD_FILE$/,
    ],
    [
      "producer.ts",
      [],
      sasl,
      /^error: KAFKA_PASSWORD_FILE=\/nonexistent\/password cannot be read \(no such file\)$/,
    ],
    [
      "reports.ts",
      ["--kafka-security-protocol", "SSL", "--kafka-ca-file", notPem],
      {},
      /^error: KAFKA_CA_FILE=.* holds no PEM certificate/,
    ],
    [
      "consumer.ts",
      [],
      { KAFKA_SECURITY_PROTOCOL: "PLAINTEXT", KAFKA_PASSWORD: secret },
      /^error: KAFKA_PASSWORD is set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT/,
    ],
    [
      "main.ts",
      [],
      { DASHBOARD_TOKEN_FILE: "/nonexistent/token" },
      /^error: DASHBOARD_TOKEN_FILE=\/nonexistent\/token cannot be read/,
    ],
    [
      "consumer.ts",
      [],
      { CARD_HASH_SECRET_FILE: "/nonexistent/key" },
      /^error: CARD_HASH_SECRET_FILE=\/nonexistent\/key cannot be read/,
    ],
    [
      "reports.ts",
      [],
      { CARD_HASH_SECRET: "short" },
      /^error: CARD_HASH_SECRET holds fewer than 16 characters/,
    ],
    [
      "consumer.ts",
      [],
      { CONSUMER_DATABASE_PASSWORD_FILE: empty },
      /^error: CONSUMER_DATABASE_PASSWORD_FILE=.* is empty$/,
    ],
    [
      "scripts/up.ts",
      ["--secure"],
      { DATABASE_CA_FILE: notPem },
      /^error: DATABASE_CA_FILE=.* holds no PEM certificate/,
    ],
  ];
  try {
    const results = await Promise.all(
      cases.map(([script, args, env]) => runScript(script, args, env)),
    );
    results.forEach(({ code, stdout, stderr }, i) => {
      const [script, args, , pattern] = cases[i]!;
      const label = `${script} ${args.join(" ")}`;
      assert.equal(code, 2, `${label}: ${stderr}`);
      // (Deno itself may say it downloads or initialises something first.)
      const said = stderr.split("\n").filter((l) => !/^(Download|Initialize|Warning) /.test(l));
      assert.match(said[0]!, pattern, `${label}: ${stderr}`);
      assert.doesNotMatch(stderr, /\n\s+at /, `${label}: no stack trace`);
      assert.ok(!`${stdout}${stderr}`.includes(secret), `${label} shows the secret`);
    });
  } finally {
    await Deno.remove(notPem);
    await Deno.remove(empty);
  }
  assert.ok(await brokerAnswers(config.kafkaBrokers), "the broker still runs");
});

Deno.test("TLS to a broker that speaks none ends the producer at once in one line naming the settings, exit 1", async () => {
  const started = performance.now();
  const { code, stderr } = await runScript("producer.ts", ["--generate", "1", "--delay", "0"], {
    KAFKA_BROKERS: config.kafkaBrokers.join(","),
    KAFKA_SECURITY_PROTOCOL: "SSL",
  });
  assert.equal(code, 1, stderr);
  assert.match(
    stderr,
    /^error: TLS with Kafka at .* failed \(.*\): the port may not speak TLS; check KAFKA_SECURITY_PROTOCOL and KAFKA_BROKERS; nothing was sent\n$/,
  );
  assert.ok(performance.now() - started < 20_000, "no minute of retries");
});

Deno.test("a consumer that cannot log in as its role says so in one line, exit 1", async () => {
  const db = await createTestDatabase();
  try {
    const name = new URL(db.url).pathname.slice(1);
    await db.sql`revoke connect on database ${db.sql(name)} from public, sales_writer`;
    const { code, stderr } = await runScript("consumer.ts", ["--database-url", db.url]);
    assert.equal(code, 1);
    assert.match(stderr, /^Cannot start consumer: .*permission denied for database/);
    assert.equal(stderr.trim().split("\n").length, 1, `one line, no stack trace:\n${stderr}`);
  } finally {
    await db.close();
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

/** Runs producer.ts in bulk on the given file and topic. */
function produceFile(file: string, topic: string, args: string[] = [], env = {}) {
  return runScript("producer.ts", [
    "--source",
    file,
    "--delay",
    "0",
    "--topic",
    topic,
    "--partitions",
    "1",
    ...args,
  ], env);
}

/** A temporary file holding `lines` joined by newlines; removed after `run`. */
async function withFile(
  lines: (string | Uint8Array)[],
  run: (file: string) => Promise<void>,
): Promise<void> {
  const file = await Deno.makeTempFile({ suffix: ".ndjson" });
  const encoder = new TextEncoder();
  const parts = lines.map((l) => typeof l === "string" ? encoder.encode(l) : l);
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    bytes[at + part.length] = 0x0a;
    at += part.length + 1;
  }
  await Deno.writeFile(file, bytes);
  try {
    await run(file);
  } finally {
    await Deno.remove(file);
  }
}

/** Whether a topic exists on the broker. */
async function topicExists(topic: string): Promise<boolean> {
  const admin = testKafka("cli-test-admin").admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}

/** The keys of every message on a topic, sorted. */
async function keysOn(topic: string): Promise<string[]> {
  return (await readAllMessages(topic)).map((m) => m.key).sort();
}

/** Output lines, without the last newline. */
const lines = (text: string) => text === "" ? [] : text.replace(/\n$/, "").split("\n");

const kafkaTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });

kafkaTest(
  "produce sends every record of a clean file and exits 0 with the exact summary",
  async () => {
    const topic = await createTestTopic(1);
    const records = sampleRecords(3, 60);
    await withFile(records.map((r) => JSON.stringify(r)), async (file) => {
      const { code, stdout, stderr } = await produceFile(file, topic, ["--quiet"]);
      assert.equal(stderr, "");
      assert.equal(stdout, `sent 3 to ${topic} ([0] 3), skipped 0 bad, failed 0\n`);
      assert.equal(code, 0);
    });
    assert.deepEqual(await keysOn(topic), records.map((r) => String(r.sale_id)).sort());
  },
);

kafkaTest(
  "produce counts every skipped line in its summary, unreadable and invalid alike, exit 3",
  async () => {
    const topic = await createTestTopic(1);
    const [a, b, c] = sampleRecords(3, 61);
    // The case of the issue: two valid lines and one that is not JSON.
    await withFile([JSON.stringify(a), JSON.stringify(b), "{not json"], async (file) => {
      const { code, stdout, stderr } = await produceFile(file, topic);
      assert.deepEqual(lines(stderr), [
        `skipped line 3: not JSON (Expected property name or '}' in JSON at position 1 (line 1 column 2))`,
      ]);
      assert.match(stdout, new RegExp(`delivered sale_id ${a!.sale_id} to ${topic} \\[0\\] @ 0\n`));
      assert.match(stdout, new RegExp(`delivered sale_id ${b!.sale_id} to ${topic} \\[0\\] @ 1\n`));
      assert.equal(lines(stdout).at(-1), `sent 2 to ${topic} ([0] 2), skipped 1 bad, failed 0`);
      assert.equal(code, 3);
    });
    // Unreadable, invalid and blank lines mixed with good ones: blank lines are not counted.
    await withFile(
      [
        JSON.stringify(c),
        "{not json",
        JSON.stringify({ ...c, sale_id: "bad-price", sale_price: -3 }),
        "",
        "[1, 2]",
      ],
      async (file) => {
        const { code, stdout, stderr } = await produceFile(file, topic, ["--quiet"]);
        assert.deepEqual(lines(stderr), [
          `skipped line 2: not JSON (Expected property name or '}' in JSON at position 1 (line 1 column 2))`,
          "skipped line 3 (sale_id bad-price): invalid_field: sale_price: negative",
          "skipped line 5: not_object: expected a JSON object with the sale's fields, got an array",
        ]);
        assert.equal(stdout, `sent 1 to ${topic} ([0] 1), skipped 3 bad, failed 0\n`);
        assert.equal(code, 3);
      },
    );
    assert.deepEqual(await keysOn(topic), [a, b, c].map((r) => String(r!.sale_id)).sort());
  },
);

/** One MiB of junk: 4,096 lines of 255 bytes, every other one not UTF-8, all full of control bytes. */
function junkLines(): Uint8Array[] {
  const controls = [0x00, 0x07, 0x08, 0x0d, 0x1b, 0x7f, 0x01, 0x0c];
  return Array.from({ length: 4096 }, (_, i) => {
    const line = new Uint8Array(255);
    for (let k = 0; k < line.length; k++) {
      line[k] = k % 3 === 0
        ? controls[(i + k) % controls.length]!
        : i % 2 === 0
        ? 0x41 + ((i * 7 + k) % 26) // valid UTF-8: letters between the controls
        : 0x80 + ((i * 13 + k) % 0x80); // stray continuation and lead bytes: not UTF-8
    }
    line[0] = 0x1b; // an escape sequence first: ESC [ 2 J clears a screen
    line[1] = 0x5b;
    line[2] = 0x32;
    line[3] = 0x4a;
    line[254] = 0x21;
    return line;
  });
}

kafkaTest(
  "produce of one MiB of binary junk escapes control bytes, shows 20 bad lines then a count, exit 4",
  async () => {
    const topic = `sales_test_${uniqueSuffix()}`;
    const junk = junkLines();
    assert.equal(junk.reduce((n, l) => n + l.length + 1, 0), 1024 * 1024);
    await withFile(junk, async (file) => {
      const started = performance.now();
      const out = await produceFile(file, topic);
      const ms = performance.now() - started;
      const raw = new TextEncoder().encode(out.stdout + out.stderr);
      const control = raw.findIndex((b) => (b < 0x20 && b !== 0x0a) || b === 0x7f);
      assert.equal(control, -1, `a raw control byte at ${control} of the output`);
      assert.doesNotMatch(out.stdout + out.stderr, /[\u0080-\u009f]/, "no C1 control either");
      const err = lines(out.stderr);
      assert.equal(err.length, 22, out.stderr);
      for (let i = 0; i < 20; i++) {
        assert.ok(err[i]!.startsWith(`skipped line ${i + 1}: `), err[i]);
        assert.ok(err[i]!.length <= 200, `line ${i + 1} is cut: ${err[i]!.length} chars`);
      }
      assert.match(
        err[0]!,
        /^skipped line 1: not JSON \(Unexpected token '\\x1b', "\\x1b\[2J[A-Z]{2}\\x/,
      );
      assert.equal(err[1], "skipped line 2: not UTF-8");
      assert.equal(err[20], "... and 4076 more bad lines");
      assert.equal(err[21], `error: ${file} holds no valid record; nothing was sent`);
      assert.equal(out.stdout, `sent 0 to ${topic}, skipped 4096 bad, failed 0\n`);
      assert.equal(out.code, 4);
      console.log(`1 MiB of junk read and reported in ${Math.round(ms)} ms`);
    });
    assert.equal(await topicExists(topic), false, "no topic is created for a file with no record");
  },
);

kafkaTest(
  "produce of a file without any valid record is an error: exit 4, nothing created",
  async () => {
    const topic = `sales_test_${uniqueSuffix()}`;
    await withFile([""], async (file) => {
      const { code, stdout, stderr } = await produceFile(file, topic);
      assert.equal(stdout, `sent 0 to ${topic}, skipped 0 bad, failed 0\n`);
      assert.equal(stderr, `error: ${file} holds no valid record; nothing was sent\n`);
      assert.equal(code, 4);
    });
    await withFile(["{}", "null"], async (file) => {
      const { code, stdout, stderr } = await produceFile(file, topic);
      assert.equal(stdout, `sent 0 to ${topic}, skipped 2 bad, failed 0\n`);
      assert.match(stderr, /^skipped line 1: invalid_field: sale_id: missing; /);
      assert.match(stderr, /\nskipped line 2: not_object: expected a JSON object .*, got null\n/);
      assert.match(stderr, /\nerror: .* holds no valid record; nothing was sent\n$/);
      assert.equal(code, 4);
    });
    assert.equal(await topicExists(topic), false);
  },
);

kafkaTest(
  "produce skips a record over the consumer's 64 KiB limit before sending, as oversized",
  async () => {
    const topic = await createTestTopic(1);
    const [a, b, c] = sampleRecords(3, 62);
    /** A copy of the record whose JSON value is exactly `bytes` long, padded with ASCII. */
    const sized = (r: object, saleId: string, bytes: number) => {
      const base = JSON.stringify({ ...r, sale_id: saleId, notes: "" }).length;
      return { ...r, sale_id: saleId, notes: "x".repeat(bytes - base) };
    };
    const atLimit = sized(a!, "at-limit", MAX_MESSAGE_BYTES);
    const overByOne = sized(b!, "over-by-one", MAX_MESSAGE_BYTES + 1);
    const extra = { ...c!, sale_id: "big-extra", notes: "x".repeat(100_000) };
    // 40,000 characters but 80,000 bytes: the limit is in bytes of UTF-8.
    const wide = { ...c!, sale_id: "wide-chars", notes: "é".repeat(40_000) };
    const size = (r: object) => new TextEncoder().encode(JSON.stringify(r)).byteLength;
    assert.equal(size(atLimit), MAX_MESSAGE_BYTES);
    await withFile(
      [atLimit, overByOne, extra, wide, c!].map((r) => JSON.stringify(r)),
      async (file) => {
        const { code, stdout, stderr } = await produceFile(file, topic, ["--quiet"]);
        assert.deepEqual(lines(stderr), [
          `skipped line 2 (sale_id over-by-one): oversized: message is ${
            MAX_MESSAGE_BYTES + 1
          } bytes; the limit is ${MAX_MESSAGE_BYTES}`,
          `skipped line 3 (sale_id big-extra): oversized: message is ${
            size(extra)
          } bytes; the limit is ${MAX_MESSAGE_BYTES}`,
          `skipped line 4 (sale_id wide-chars): oversized: message is ${
            size(wide)
          } bytes; the limit is ${MAX_MESSAGE_BYTES}`,
        ]);
        assert.equal(stdout, `sent 2 to ${topic} ([0] 2), skipped 3 bad, failed 0\n`);
        assert.equal(code, 3);
      },
    );
    assert.deepEqual(await keysOn(topic), ["at-limit", String(c!.sale_id)].sort());
  },
);

kafkaTest(
  "produce says in one line that Kafka is unreachable within the timeout, exit 1",
  async () => {
    const records = sampleRecords(2, 63);
    await withFile(records.map((r) => JSON.stringify(r)), async (file) => {
      const run = async (args: string[], env: Record<string, string>) => {
        const started = performance.now();
        const out = await produceFile(file, "sales_unreachable", [
          "--brokers",
          "127.0.0.1:1",
          ...args,
        ], env);
        return { ...out, seconds: (performance.now() - started) / 1000 };
      };
      // The default (10 s), the flag and the environment variable, side by side.
      const [byDefault, byFlag, byEnv] = await Promise.all([
        run([], {}),
        run(["--timeout", "2"], { KAFKA_CONNECT_TIMEOUT: "30" }),
        run([], { KAFKA_CONNECT_TIMEOUT: "1.5" }),
      ]);
      for (
        const [out, shown, low, high] of [
          [byDefault, "10", 10, 16],
          [byFlag, "2", 2, 8],
          [byEnv, "1.5", 1.5, 7.5],
        ] as const
      ) {
        assert.equal(
          out.stderr,
          `error: Kafka at 127.0.0.1:1 did not answer within ${shown} s; start it with ` +
            "`deno task up`, check KAFKA_BROKERS (--brokers), or wait longer with --timeout; " +
            "nothing was sent\n",
        );
        assert.equal(out.stdout, "");
        assert.equal(out.code, 1);
        assert.ok(
          out.seconds >= low && out.seconds < high,
          `${shown} s timeout took ${out.seconds} s`,
        );
      }
    });
  },
);

kafkaTest(
  "a bad --timeout or KAFKA_CONNECT_TIMEOUT is refused in one line, exit 2, nothing sent",
  async () => {
    const topic = `sales_test_${uniqueSuffix()}`;
    const records = sampleRecords(1, 64);
    await withFile(records.map((r) => JSON.stringify(r)), async (file) => {
      const cases: [string[], Record<string, string>, string][] = [
        [
          ["--timeout", "soon"],
          {},
          '--timeout must be a number of seconds above 0 and at most 3600, got "soon"',
        ],
        [
          ["--timeout", "0"],
          {},
          '--timeout must be a number of seconds above 0 and at most 3600, got "0"',
        ],
        [
          ["--timeout", "7200"],
          {},
          '--timeout must be a number of seconds above 0 and at most 3600, got "7200"',
        ],
        [
          [],
          { KAFKA_CONNECT_TIMEOUT: "ten" },
          'KAFKA_CONNECT_TIMEOUT must be a number of seconds above 0 and at most 3600, got "ten"',
        ],
        [
          [],
          { KAFKA_CONNECT_TIMEOUT: "" },
          'KAFKA_CONNECT_TIMEOUT must be a number of seconds above 0 and at most 3600, got ""',
        ],
      ];
      for (const [args, env, message] of cases) {
        const { code, stdout, stderr } = await produceFile(file, topic, args, env);
        assert.equal(lines(stderr)[0], `error: ${message}`, JSON.stringify([args, env]));
        assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
        assert.equal(stdout, "");
        assert.equal(code, 2);
      }
    });
    assert.equal(await topicExists(topic), false, "nothing was sent");
  },
);

kafkaTest("produce stopped by Ctrl-C sums up what it sent and exits 130", async () => {
  const topic = await createTestTopic(1);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}producer.ts`,
      "--generate",
      "50",
      "--delay",
      "0.2",
      "--topic",
      topic,
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let stdout = "";
  const reader = child.stdout.getReader();
  while (!stdout.includes("delivered")) {
    const { value, done } = await reader.read();
    if (done) break;
    stdout += decoder.decode(value, { stream: true });
  }
  child.kill("SIGINT");
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    stdout += decoder.decode(r.value, { stream: true });
  }
  const stderr = decoder.decode(await new Response(child.stderr).arrayBuffer());
  const { code } = await child.status;
  const sent = (stdout.match(/^delivered /gm) ?? []).length;
  assert.ok(sent >= 1 && sent < 50, `sent ${sent}`);
  assert.equal(
    lines(stdout).at(-1),
    `sent ${sent} to ${topic} ([0] ${sent}), skipped 0 bad, failed 0`,
  );
  assert.equal(stderr, "SIGINT: finishing the message in flight, then stopping\n");
  assert.equal(code, 130);
  assert.equal((await keysOn(topic)).length, sent);
});

Deno.test("produce --out writes only the valid records and counts the skipped lines, exit 3", async () => {
  const [a] = sampleRecords(1, 65);
  const out = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await withFile(
      [JSON.stringify(a), "{oops", JSON.stringify({ ...a, email: "nope" })],
      async (file) => {
        const { code, stdout, stderr } = await runScript("producer.ts", [
          "--source",
          file,
          "--out",
          out,
        ]);
        assert.equal(stdout, `wrote 1 records to ${out}, skipped 2 bad\n`);
        assert.match(
          stderr,
          /^skipped line 2: not JSON .*\nskipped line 3 \(sale_id [^)]+\): invalid_field: email: /,
        );
        assert.equal(code, 3);
        assert.deepEqual(JSON.parse(await Deno.readTextFile(out)), [a]);
      },
    );
  } finally {
    await Deno.remove(out);
  }
});

/** The pids and command lines of a process' children, from /proc. */
function childrenOf(pid: number): { pid: number; cmdline: string }[] {
  const found = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== pid) continue;
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
      found.push({ pid: Number(entry.name), cmdline });
    } catch { /* gone meanwhile */ }
  }
  return found;
}

kafkaTest(
  "deno task demo runs the consumer, the reports process and the dashboard, and Ctrl-C stops them all",
  async () => {
    const db = await createTestDatabase();
    const suffix = uniqueSuffix();
    const port = freePort();
    const stateDir = await Deno.makeTempDir({ prefix: "demo-reports-state-" });
    const demo = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}scripts/demo.ts`, "--delay", "0.2-0.5"],
      cwd: ROOT,
      env: {
        NO_COLOR: "1",
        DATABASE_URL: db.url,
        SALES_TOPIC: `sales_test_demo_${suffix}`,
        CONSUMER_GROUP: `demo-${suffix}`,
        REPORT_TOPIC_PREFIX: `demo_${suffix}_`,
        REPORTS_GROUP: `demo-reports-${suffix}`,
        REPORTS_STATE_DIR: stateDir,
        PORT: String(port),
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const decoder = new TextDecoder();
    let output = "";
    const drained = Promise.all([demo.stdout, demo.stderr].map(async (stream) => {
      for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
    }));
    const base = `http://127.0.0.1:${port}`;
    let stopped = false;
    try {
      await waitFor(
        () => Promise.resolve(output.includes(`Dashboard: ${base}/  Kafka reports: ${base}/kafka`)),
        `the demo's URLs; output so far:\n${output}`,
        120_000,
      );
      const sample = (JSON.parse(await Deno.readTextFile(`${ROOT}data/sales_sample.json`)) as [])
        .length;
      // Both pages are live: PostgreSQL has the sample and more, and so do the report topics.
      const summary = async () => await (await fetch(`${base}/api/summary`)).json();
      const reported = async () => {
        const body = await (await fetch(`${base}/api/reports`)).json();
        return Number(body.reports?.total_sales_summary?.[0]?.sales_count ?? 0);
      };
      await waitFor(
        async () => (await summary()).sales > sample,
        "live sales in PostgreSQL",
        60_000,
      );
      await waitFor(async () => await reported() > sample, "live sales in the reports", 60_000);
      const kafkaPage = await (await fetch(`${base}/kafka`)).text();
      assert.doesNotMatch(kafkaPage, /No report data yet/);

      const children = childrenOf(demo.pid);
      const running = (script: string) => children.filter((c) => c.cmdline.includes(script));
      assert.equal(running("consumer.ts").length, 1, JSON.stringify(children));
      assert.equal(running("reports.ts").length, 1, JSON.stringify(children));
      assert.equal(running("main.ts").length, 1, JSON.stringify(children));
      assert.equal(running("producer.ts").length, 1, "the live stream");

      demo.kill("SIGINT");
      const status = await demo.status;
      stopped = true;
      assert.equal(status.code, 0, output);
      const left = children.filter((c) => {
        try {
          return !/^\d+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${c.pid}/stat`));
        } catch {
          return false;
        }
      });
      assert.deepEqual(left, [], "every process the demo started has stopped");
      assert.doesNotMatch(output, /Warning|\n\s+at /, "no warnings or stack traces");
      await assert.rejects(() => fetch(`${base}/`), "the dashboard no longer answers");
    } finally {
      if (!stopped) {
        for (const c of childrenOf(demo.pid)) Deno.kill(c.pid, "SIGKILL");
        demo.kill("SIGKILL");
        await demo.status;
      }
      await drained;
      await db.close();
      await Deno.remove(stateDir, { recursive: true }).catch(() => {});
    }
  },
);
