/**
 * The consumer's start and stop at their edges: SIGTERM during start-up, SIGTERM while Kafka and
 * PostgreSQL are both down (a broker and a cluster of the test's own, killed), and Kafka or
 * PostgreSQL unreachable or refusing the login at start.
 */
import assert from "node:assert/strict";
import { produceRecords } from "../../lib/produce/produce_records.ts";
import { createKafka } from "../../lib/infra/kafka.ts";
import { brokerDir, kafkaUp, ourPid } from "../../lib/provision/kafka_broker.ts";
import { ConsumerProcess } from "../support/faults.ts";
import { freePort, sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import {
  createTestDatabase,
  createTestTopic,
  storedOffsetSum,
  testKafka,
} from "../support/services.ts";
import { OwnPostgres } from "../support/own_postgres.ts";
import { messages } from "../support/tasks.ts";

/** Waits until the consumer has printed `line` (a regular expression), or fails with its output. */
async function waitForLine(consumer: ConsumerProcess, line: RegExp, timeoutMs = 60_000) {
  await waitFor(
    () => Promise.resolve(line.test(consumer.output)),
    `${line} in the consumer's output:\n${consumer.output}`,
    timeoutMs,
  );
}

/** The consumer's exit status and how long it took after the signal, in ms. */
async function stopTimed(consumer: ConsumerProcess, signal: Deno.Signal) {
  const sent = performance.now();
  const status = await consumer.stop(signal);
  return { code: status.code, ms: performance.now() - sent };
}

/** Runs the consumer to its end (it is expected not to start); its status, output and duration. */
async function failedStart(url: string, args: string[], env: Record<string, string> = {}) {
  const started = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../consumer.ts", import.meta.url).pathname,
      "--topic",
      `sales_test_${uniqueSuffix()}`,
      "--group",
      `g-${uniqueSuffix()}`,
      "--database-url",
      url,
      ...args,
    ],
    env: { NO_COLOR: "1", METRICS_PORT: "0", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: messages(decoder.decode(out.stdout)),
    stderr: messages(decoder.decode(out.stderr)),
    seconds: (performance.now() - started) / 1000,
  };
}

/** A port nothing listens on, with the next one free too (a broker and its controller). */
function freePortPair(): number {
  for (;;) {
    const port = freePort();
    try {
      Deno.listen({ hostname: "127.0.0.1", port: port + 1 }).close();
      return port;
    } catch { /* taken: try another */ }
  }
}

Deno.test({
  name: "SIGTERM during the consumer's start-up stops it cleanly, exit 0, no member left behind",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    try {
      // Kafka does not answer: start-up waits on it (up to 30 s here), and SIGTERM ends the wait.
      const topic = `sales_test_${uniqueSuffix()}`;
      const waiting = new ConsumerProcess(db.url, topic, `g-${uniqueSuffix()}`, "waiting", true, {
        args: ["--brokers", `127.0.0.1:${freePort()}`],
        env: { KAFKA_CONNECT_TIMEOUT: "30" },
      });
      await new Promise((r) => setTimeout(r, 3_000));
      const stopped = await stopTimed(waiting, "SIGTERM");
      assert.equal(stopped.code, 0, waiting.output);
      assert.match(waiting.output, /^starting: /m);
      assert.ok(stopped.ms < 2_000, `stopped ${Math.round(stopped.ms)} ms after SIGTERM`);
      assert.match(waiting.output, /^SIGTERM: stopped during start-up$/m);
      assert.doesNotMatch(waiting.output, /Uncaught|^\s+at /m);

      // Everything answers: SIGTERM as start-up begins; the consumer leaves no member behind.
      const group = `g-${uniqueSuffix()}`;
      const early = new ConsumerProcess(db.url, await createTestTopic(3), group, "early");
      await waitForLine(early, /^starting: /m);
      const early_ = await stopTimed(early, "SIGTERM");
      assert.equal(early_.code, 0, early.output);
      assert.match(
        early.output,
        /^SIGTERM: (stopped during start-up|finishing the current batch)/m,
      );
      assert.doesNotMatch(early.output, /Uncaught|^\s+at /m);
      const admin = testKafka().admin();
      await admin.connect();
      try {
        const { groups } = await admin.describeGroups([group]);
        assert.deepEqual(groups[0]!.members, [], "no member of the group is left");
      } finally {
        await admin.disconnect();
      }
      console.log(
        `SIGTERM while waiting for Kafka: exit 0 after ${Math.round(stopped.ms)} ms; ` +
          `at the start of start-up: exit 0 after ${Math.round(early_.ms)} ms`,
      );
    } finally {
      await db.close();
    }
  },
});

Deno.test({
  name:
    "with Kafka and PostgreSQL both down, SIGTERM ends the consumer within its session timeout, exit 0",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const SESSION_S = 6;
    const kafkaPort = freePortPair();
    const brokers = [`localhost:${kafkaPort}`];
    const pg = await OwnPostgres.start();
    let consumer: ConsumerProcess | undefined;
    try {
      await kafkaUp(brokers, () => {}, undefined, { heap: "384m" });
      const topic = `sales_test_${uniqueSuffix()}`;
      const group = `g-${uniqueSuffix()}`;
      consumer = new ConsumerProcess(pg.url, topic, group, "a", true, {
        args: ["--brokers", brokers[0]!, "--session-timeout", String(SESSION_S)],
      });
      await waitForLine(consumer, /^consuming /m);
      // Mid-stream: the consumer has a batch in hand when both go.
      const records = sampleRecords(20_000, 44);
      await produceRecords(records.map((record, i) => ({ line: i + 1, record })), {
        kafka: createKafka(brokers, "sales-tests"),
        topic,
        partitions: 6,
        delayMs: [0, 0],
        batchSize: 500,
      });
      await waitFor(
        async () => await storedOffsetSum(pg.sql, group) >= 2_000,
        `the consumer to store sales:\n${consumer.output}`,
      );
      Deno.kill(ourPid(kafkaPort)!, "SIGKILL");
      await pg.kill9();
      await new Promise((r) => setTimeout(r, 2_000)); // the consumer notices both
      const stopped = await stopTimed(consumer, "SIGTERM");
      assert.equal(stopped.code, 0, consumer.output);
      assert.ok(
        stopped.ms < SESSION_S * 1000,
        `exited ${Math.round(stopped.ms)} ms after SIGTERM; session timeout ${SESSION_S} s:\n` +
          consumer.output,
      );
      assert.match(consumer.output, /^stopped: \d+ sales stored/m);
      assert.doesNotMatch(consumer.output, /Uncaught|^\s+at /m);
      console.log(
        `Kafka and PostgreSQL killed: exit 0 ${Math.round(stopped.ms)} ms after SIGTERM ` +
          `(session timeout ${SESSION_S} s)`,
      );
    } finally {
      await consumer?.stop("SIGKILL");
      const pid = ourPid(kafkaPort);
      if (pid) Deno.kill(pid, "SIGKILL");
      await Deno.remove(brokerDir(kafkaPort).dir, { recursive: true }).catch(() => {});
      await pg.remove();
    }
  },
});

Deno.test({
  name:
    "Kafka or PostgreSQL unreachable, or a refused login, at start: one sentence naming the setting, exit 1",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    try {
      const nowhere = `127.0.0.1:${freePort()}`;
      const cases: {
        label: string;
        url: string;
        args: string[];
        env: Record<string, string>;
        says: RegExp;
        within: number;
      }[] = [
        {
          label: "Kafka unreachable",
          url: db.url,
          args: ["--brokers", nowhere],
          env: { KAFKA_CONNECT_TIMEOUT: "2" },
          says: new RegExp(
            `^Cannot start consumer: Kafka at ${nowhere} did not answer within 2 s; .*KAFKA_BROKERS`,
          ),
          within: 8,
        },
        {
          label: "PostgreSQL unreachable",
          url: `postgres://postgres@${nowhere}/sales`,
          args: [],
          env: {},
          says: new RegExp(
            `^Cannot start consumer: Cannot reach PostgreSQL at ${nowhere} .*CONSUMER_DATABASE_URL`,
          ),
          within: 8,
        },
        {
          label: "the consumer's login refused",
          url: db.url,
          args: [],
          env: { CONSUMER_DATABASE_URL: db.url.replace("//postgres@", "//nobody_here@") },
          says:
            /^Cannot start consumer: PostgreSQL refused user "nobody_here" .*; fix CONSUMER_DATABASE_URL$/,
          within: 8,
        },
        {
          label: "the owner's login refused, for a database that needs its migrations",
          url: db.url.replace("//postgres@", "//nobody_here@").replace(/\/[^/]*$/, "/not_made_yet"),
          args: [],
          env: {},
          says:
            /^Cannot start consumer: .*PostgreSQL refused user "nobody_here" .*; fix DATABASE_URL$/,
          within: 8,
        },
      ];
      for (const c of cases) {
        const out = await failedStart(c.url, c.args, c.env);
        assert.equal(out.code, 1, `${c.label}: ${out.stdout}${out.stderr}`);
        const lines = out.stderr.trim().split("\n");
        assert.equal(lines.length, 1, `${c.label}: one line on stderr:\n${out.stderr}`);
        assert.match(lines[0]!, c.says, c.label);
        assert.doesNotMatch(out.stdout + out.stderr, /Uncaught|^\s+at /m, c.label);
        assert.ok(out.seconds < c.within, `${c.label}: took ${out.seconds.toFixed(1)} s`);
      }
    } finally {
      await db.close();
    }
  },
});

Deno.test({
  name:
    "waiting for a Kafka that does not answer, the consumer says one line per try with the time of the next, then one line on stderr",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    try {
      const nowhere = `127.0.0.1:${freePort()}`;
      const out = await failedStart(db.url, ["--brokers", nowhere], { KAFKA_CONNECT_TIMEOUT: "4" });
      assert.equal(out.code, 1, out.stdout + out.stderr);
      assert.equal(out.stderr.trim().split("\n").length, 1, out.stderr);
      const steps = out.stdout.split("\n").filter((l) => l.startsWith("Kafka at "));
      assert.ok(steps.length >= 2 && steps.length <= 8, `one line per try:\n${out.stdout}`);
      let previous = 0;
      for (const step of steps) {
        const m = new RegExp(
          `^Kafka at ${nowhere} does not answer \\(Connection error: [^)]*\\); trying again at ` +
            "(\\S+Z) \\(in (\\d+) ms\\)$",
        ).exec(step);
        assert.ok(m, step);
        const at = Date.parse(m[1]!);
        assert.ok(at > previous, "each next try later than the one before");
        previous = at;
      }
    } finally {
      await db.close();
    }
  },
});
