import assert from "node:assert/strict";
import { MAX_MESSAGE_BYTES } from "../../lib/core/decode.ts";
import { sampleRecords, uniqueSuffix } from "../support/fixtures.ts";
import { config, createTestTopic, readAllMessages, testKafka } from "../support/services.ts";
import { lines, messages, produceFile, ROOT, runScript, withFile } from "../support/tasks.ts";

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
  const stderr = messages(decoder.decode(await new Response(child.stderr).arrayBuffer()));
  const { code } = await child.status;
  stdout = messages(stdout);
  const sent = (stdout.match(/^delivered /gm) ?? []).length;
  assert.ok(sent >= 1 && sent < 50, `sent ${sent}`);
  assert.equal(
    lines(stdout).at(-1),
    `sent ${sent} to ${topic} ([0] ${sent}), skipped 0 bad, failed 0`,
  );
  // A stop the user asked for is information, on stdout beside the deliveries, not a warning.
  assert.equal(stderr, "");
  assert.ok(
    lines(stdout).includes("SIGINT: finishing the message in flight, then stopping"),
    stdout,
  );
  assert.equal(code, 130);
  assert.equal((await keysOn(topic)).length, sent);
});
