/**
 * The secured services end to end: this file starts its own secured broker and PostgreSQL cluster
 * (`deno task up --secure`, on ports of their own, once for the whole file), runs every process as
 * its own Kafka user and PostgreSQL role, checks the numbers, each user's refusals, the roles'
 * passwords, and that no secret shows in process arguments, environments, logs, the DLQ, the API
 * or the page; it stops only what it started.
 */
import assert from "node:assert/strict";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { type Config, loadConfig } from "../../lib/infra/config.ts";
import { connectLogin, databaseError } from "../../lib/infra/db.ts";
import {
  brokerAnswers,
  createKafka,
  dlqTopic,
  kafkajsSecurity,
  noteKafkaLog,
} from "../../lib/infra/kafka.ts";
import { explainKafkaError, writeJavaClientConfig } from "../../lib/infra/kafka_security.ts";
import { LOCAL_DIR } from "../../lib/infra/process.ts";
import { taskDenoFlags } from "../../lib/infra/tasks.ts";
import { produceRecords } from "../../lib/produce/produce_records.ts";
import { brokerDir, kafkaLibsDir } from "../../lib/provision/kafka_broker.ts";
import { type KafkaUser, localKafkaSettings } from "../../lib/provision/kafka_security.ts";
import { clusterDir } from "../../lib/provision/postgres_cluster.ts";
import { localDatabasePasswordFile } from "../../lib/provision/postgres_security.ts";
import { LOCAL_CA_FILE } from "../../lib/provision/tls.ts";
import { ensureReportsBuilt } from "../../lib/reports/launch.ts";
import { REPORTS, reportTopic } from "../../lib/reports/topics.ts";
import { readReports } from "../../lib/reports/read.ts";
import { centsToDecimal } from "../../lib/core/money.ts";
import { freePort, sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { expectedTotals } from "../support/money.ts";
import { readAllMessages } from "../support/services.ts";
import { messages } from "../support/tasks.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const KAFKA_PORT = Number(Deno.env.get("SECURE_TEST_KAFKA_PORT") ?? 9492);
const PG_PORT = Number(Deno.env.get("SECURE_TEST_PG_PORT") ?? 5492);
const BROKERS = [`localhost:${KAFKA_PORT}`];
const SUFFIX = uniqueSuffix();
const TOPIC = `secure_${SUFFIX}`;
const GROUP = `secure-consumer-${SUFFIX}`;
const REPORTS_GROUP = `secure-reports-${SUFFIX}`;
const PREFIX = `secure_${SUFFIX}_`;
const DATABASE_URL = `postgres://postgres@localhost:${PG_PORT}/sales_secure_${SUFFIX}`;
const SALES = 1500;
/** The reports process' metrics port in the pipeline (its log lines are JSON there). */
const REPORTS_METRICS_PORT = freePort();
const CONSUMER_METRICS_PORT = freePort();
/** Debian's bundle of public CAs: not the CA of the local services. */
const SYSTEM_CAS = "/etc/ssl/certs/ca-certificates.crt";
const TOKEN_FILE = await Deno.makeTempFile({ prefix: "dashboard-token-" });
await Deno.writeTextFile(TOKEN_FILE, `token-${crypto.randomUUID()}`, { mode: 0o600 });
const TOKEN = await Deno.readTextFile(TOKEN_FILE);
/** The reports process' RocksDB state (Kafka Streams), removed at the end. */
await Deno.mkdir(LOCAL_DIR, { recursive: true });
const REPORTS_STATE_DIR = await Deno.makeTempDir({ dir: LOCAL_DIR, prefix: "secure-reports-" });

/** The settings every process of this file shares: where things are, names, TLS trust. */
const SHARED = {
  KAFKA_BROKERS: BROKERS.join(","),
  DATABASE_URL,
  DATABASE_CA_FILE: LOCAL_CA_FILE,
  SALES_TOPIC: TOPIC,
  SALES_PARTITIONS: "3",
  CONSUMER_GROUP: GROUP,
  REPORTS_GROUP,
  REPORT_TOPIC_PREFIX: PREFIX,
};

/** A process' settings: its Kafka user and, for the services, its PostgreSQL password file. */
function settingsOf(user: KafkaUser, extra: Record<string, string> = {}): Record<string, string> {
  const database: Record<string, Record<string, string>> = {
    consumer: {
      CONSUMER_DATABASE_PASSWORD_FILE: localDatabasePasswordFile(PG_PORT, "sales_writer"),
    },
    dashboard: {
      DASHBOARD_DATABASE_PASSWORD_FILE: localDatabasePasswordFile(PG_PORT, "sales_reader"),
    },
    admin: { DATABASE_PASSWORD_FILE: localDatabasePasswordFile(PG_PORT, "postgres") },
  };
  return { ...SHARED, ...localKafkaSettings(KAFKA_PORT, user), ...database[user], ...extra };
}

/** The config a process of `user` reads from its settings. */
function configOf(user: KafkaUser): Config {
  return loadConfig(settingsOf(user));
}

/** An entrypoint run with only the given settings (nothing inherited but PATH and HOME). */
class Child {
  readonly #child: Deno.ChildProcess;
  /** its output as written; `output` has the messages (without time and level) */
  raw = "";
  get output(): string {
    return messages(this.raw);
  }
  readonly done: Promise<Deno.CommandStatus>;

  constructor(script: string, args: string[], env: Record<string, string>, flags: string[] = []) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", ...flags, `${ROOT}${script}`, ...args],
      cwd: ROOT,
      clearEnv: true,
      env: {
        PATH: Deno.env.get("PATH") ?? "",
        HOME: Deno.env.get("HOME") ?? "",
        NO_COLOR: "1",
        REPORTS_METRICS_PORT: "0",
        METRICS_PORT: "0",
        ...env,
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Both streams into one text, in the order their chunks arrive.
    const piped = Promise.all(
      [this.#child.stdout, this.#child.stderr].map((stream) =>
        stream.pipeThrough(new TextDecoderStream()).pipeTo(
          new WritableStream({ write: (chunk) => void (this.raw += chunk) }),
        ).catch(() => {})
      ),
    );
    this.done = this.#child.status.then(async (status) => (await piped, status));
  }

  get pid(): number {
    return this.#child.pid;
  }

  async stop(): Promise<Deno.CommandStatus> {
    try {
      this.#child.kill("SIGTERM");
    } catch { /* already gone */ }
    return await this.done;
  }
}

/** A rejection handler that adds the child's output to the error. */
function showing(child: Child): (error: Error) => never {
  return (error) => {
    throw new Error(`${error.message}; its output:\n${child.output}`);
  };
}

/** Runs an entrypoint to its end; returns its exit code and output. */
async function runToEnd(script: string, args: string[], env: Record<string, string>) {
  const child = new Child(script, args, env);
  const status = await child.done;
  return { code: status.code, output: child.output };
}

/** Starts the secured services unless they answer; says which it started. */
async function secureServicesUp(): Promise<{ kafka: boolean; postgres: boolean }> {
  const kafkaAnswered = await brokerAnswers(BROKERS);
  const pgAnswered = await brokerAnswers([`127.0.0.1:${PG_PORT}`]);
  const started = performance.now();
  const up = await runToEnd("scripts/up.ts", [
    "--secure",
    "--brokers",
    BROKERS[0]!,
    "--database-url",
    DATABASE_URL,
    "--topic",
    TOPIC,
    "--partitions",
    "3",
    "--group",
    GROUP,
    "--reports-group",
    REPORTS_GROUP,
    "--prefix",
    PREFIX,
  ], {});
  assert.equal(up.code, 0, up.output);
  console.log(
    `deno task up --secure: ${((performance.now() - started) / 1000).toFixed(1)} s ` +
      `(broker ${kafkaAnswered ? "already running" : "started"}, ` +
      `PostgreSQL ${pgAnswered ? "already running" : "started"})`,
  );
  return { kafka: !kafkaAnswered, postgres: !pgAnswered };
}

/** A kafkajs client of `user` that tries once (refusals are expected), keeping refusals it logs. */
function clientOf(user: KafkaUser, security = configOf(user).kafkaSecurity): Kafka {
  return new Kafka({
    clientId: `secure-test-${user}`,
    brokers: BROKERS,
    ...kafkajsSecurity(security),
    retry: { retries: 1, initialRetryTime: 100 },
    logLevel: logLevel.ERROR,
    logCreator: () => ({ namespace, log }) => {
      const { message, error } = log as { message: string; error?: string };
      noteKafkaLog(namespace, message, error);
    },
  });
}

/** The error `attempt` fails with; fails the test when it succeeds. */
async function refusal(what: string, attempt: () => Promise<unknown>): Promise<unknown> {
  try {
    await attempt();
  } catch (error) {
    return error;
  }
  assert.fail(`${what} was allowed`);
}

/** Joins `group` on `topic` as the client's user; rejects with the error that stops it. */
async function consumeOnce(kafka: Kafka, group: string, topic: string): Promise<void> {
  const consumer = kafka.consumer({ groupId: group, retry: { retries: 1 } });
  try {
    const crashed = new Promise<never>((_, reject) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
    });
    const fetched = new Promise<void>((resolve) => {
      consumer.on(consumer.events.FETCH, () => resolve());
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: () => Promise.resolve() });
    await Promise.race([crashed, fetched]);
  } finally {
    await consumer.disconnect().catch(() => {});
  }
}

/** Sends bad messages as the producer's user, one carrying a full card number; returns how many. */
async function produceBad(card: string): Promise<number> {
  const [record] = sampleRecords(1, 152);
  const producer = clientOf("producer").producer({
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  const messages = [
    { key: "bad-1", value: "not json" },
    {
      key: "bad-2",
      value: JSON.stringify({ ...record, sale_price: -5, credit_card_number: card }),
    },
    { key: "bad-3", value: "[1, 2]" },
  ];
  try {
    await producer.send({ topic: TOPIC, messages });
  } finally {
    await producer.disconnect();
  }
  return messages.length;
}

/** Every message of a topic (value and error header), read to its end as `kafka`'s user. */
async function readTopic(kafka: Kafka, topic: string): Promise<string[]> {
  return (await readAllMessages(topic, kafka)).map((m) => `${m.value} ${m.error}`);
}

/** The dashboard's base URL once it listens (it prints it). */
async function dashboardUrl(dashboard: Child): Promise<string> {
  let url = "";
  await waitFor(() => {
    url = /Dashboard at (http:\/\/\S+?)\/ /.exec(dashboard.output)?.[1] ?? "";
    return Promise.resolve(url !== "");
  }, "the dashboard to listen").catch(showing(dashboard));
  return url;
}

/** GET with the dashboard's token; the JSON answer (throws unless 200). */
// deno-lint-ignore no-explicit-any
async function getJson(url: string): Promise<any> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return await res.json();
}

/** Deletes this file's topics and database (the services stay as they were). */
async function cleanUp(adminKafka: Kafka): Promise<void> {
  const admin = adminKafka.admin();
  try {
    await admin.connect();
    const ours = new Set([TOPIC, dlqTopic(TOPIC), ...REPORTS.map((r) => reportTopic(r, PREFIX))]);
    // The reports process' internal topics (repartition, changelogs) start with its group.
    const topics = (await admin.listTopics()).filter((t) =>
      ours.has(t) || t.startsWith(`${REPORTS_GROUP}-`)
    );
    if (topics.length) await admin.deleteTopics({ topics });
  } catch (error) {
    console.error(`could not delete the test's topics: ${(error as Error).message}`);
  } finally {
    await admin.disconnect();
  }
  const login = configOf("admin").database.owner;
  const maintenance = connectLogin({ ...login, url: login.url.replace(/\/[^/]*$/, "/postgres") }, {
    max: 1,
  });
  try {
    await maintenance`drop database if exists ${
      maintenance(`sales_secure_${SUFFIX}`)
    } with (force)`;
  } catch (error) {
    console.error(`could not drop the test's database: ${databaseError(error, login).message}`);
  } finally {
    await maintenance.end();
  }
}

/** Every secret of the secured run: passwords, the token, the card-hash key and private keys. */
async function secretsOfTheRun(): Promise<Map<string, string>> {
  const secrets = new Map<string, string>();
  for (const dir of [`secrets/kafka-${KAFKA_PORT}`, `secrets/postgres-${PG_PORT}`]) {
    for await (const entry of Deno.readDir(`${LOCAL_DIR}${dir}`)) {
      secrets.set(
        `${dir}/${entry.name}`,
        (await Deno.readTextFile(`${LOCAL_DIR}${dir}/${entry.name}`)).trim(),
      );
    }
  }
  secrets.set("dashboard token", TOKEN);
  secrets.set("card-hash key", (await Deno.readTextFile(`${LOCAL_DIR}card-hash-secret`)).trim());
  for (const key of ["ca.key", "broker.key", "postgres.key"]) {
    // A private key's base64 body: any line of it would be a leak.
    const body = (await Deno.readTextFile(`${LOCAL_DIR}tls/${key}`)).split("\n")
      .filter((line) => line && !line.startsWith("-----"));
    body.forEach((line, i) => secrets.set(`tls/${key} line ${i + 1}`, line));
  }
  for (const [name, value] of secrets) {
    assert.ok(value.length >= 16, `${name} is long enough to search for`);
  }
  return secrets;
}

/** The names of the secrets found in `text`. */
function leaked(secrets: Map<string, string>, text: string): string[] {
  return [...secrets].filter(([, value]) => text.includes(value)).map(([name]) => name);
}

Deno.test({
  name:
    "secured Kafka (SASL_SSL, SCRAM, ACLs) and PostgreSQL (SCRAM, TLS): every process as its own user",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const started = await secureServicesUp();
    const admin = configOf("admin");
    const owner = connectLogin(admin.database.owner, { max: 1 });
    const adminKafka = createKafka(BROKERS, "secure-test-admin", { security: admin.kafkaSecurity });
    const children: Child[] = [];
    try {
      await t.step(
        "the pipeline runs secured (produce, consume, dashboard, reports) with exact numbers",
        async () => {
          const records = sampleRecords(SALES, 151);
          const produced = await runToEnd("producer.ts", [
            "--generate",
            String(SALES),
            "--seed",
            "151",
            "--delay",
            "0",
            "--quiet",
          ], settingsOf("producer"));
          assert.equal(produced.code, 0, produced.output);
          assert.match(produced.output, new RegExp(`sent ${SALES} to ${TOPIC}`));
          // Bad messages, one carrying a card number, sent as the producer's user.
          const card = "4111111111111111";
          const bad = await produceBad(card);
          await ensureReportsBuilt(); // so the reports launcher has nothing to say but its process
          children.push(
            new Child(
              "consumer.ts",
              ["--quiet"],
              settingsOf("consumer", {
                LOG_FORMAT: "json",
                METRICS_PORT: String(CONSUMER_METRICS_PORT),
              }),
              taskDenoFlags("consume"),
            ),
            new Child(
              "reports.ts",
              [],
              settingsOf("reports", {
                REPORTS_STATE_DIR,
                LOG_FORMAT: "json",
                REPORTS_METRICS_PORT: String(REPORTS_METRICS_PORT),
              }),
            ),
            new Child(
              "main.ts",
              ["--port", String(freePort())],
              settingsOf("dashboard", { DASHBOARD_TOKEN_FILE: TOKEN_FILE, LOG_FORMAT: "json" }),
            ),
          );
          const [consumer, reports, dashboard] = children as [Child, Child, Child];
          await waitFor(
            async () => {
              const [row] = await owner`
              select coalesce(sum(next_offset), 0)::int as n from consumer_offsets
              where group_id = ${GROUP}`;
              return row!.n === SALES + bad;
            },
            `the consumer to store ${SALES + bad} offsets`,
            120_000,
          ).catch(showing(consumer));
          const want = expectedTotals(records);
          const [totals] = await owner`
          select sales_count::int, revenue::text, cost::text, rejected::int from sales_totals`;
          assert.deepEqual({ ...totals }, {
            sales_count: want.count,
            revenue: centsToDecimal(want.revenue),
            cost: centsToDecimal(want.cost),
            rejected: bad,
          });

          const base = await dashboardUrl(dashboard);
          let summary = await getJson(`${base}/api/summary`);
          await waitFor(async () => {
            summary = await getJson(`${base}/api/summary`); // a snapshot from before the end
            return summary.sales === want.count; //        may be served for a moment
          }, "the dashboard to show every sale").catch(showing(dashboard));
          assert.deepEqual(
            [summary.sales, summary.revenue, summary.cost, summary.rejected],
            [want.count, centsToDecimal(want.revenue), centsToDecimal(want.cost), bad],
          );
          await waitFor(
            async () => {
              const r = await getJson(`${base}/api/reports`).catch(() => null);
              return r?.reports?.total_sales_summary?.[0]?.sales_count === want.count;
            },
            "the reports to count every sale",
            120_000,
          ).catch(showing(reports));
          const fromKafka = await readReports(adminKafka, PREFIX);
          const total = fromKafka.total_sales_summary[0]!;
          assert.deepEqual(
            [total.sales_count, total.revenue, total.cost],
            [want.count, centsToDecimal(want.revenue), centsToDecimal(want.cost)],
          );
          const unauthorized = await fetch(`${base}/api/summary`);
          assert.equal(unauthorized.status, 401);
          await unauthorized.body?.cancel();
          const letters = await readTopic(adminKafka, dlqTopic(TOPIC));
          assert.equal(letters.length, bad);
          assert.ok(!letters.join("\n").includes(card), "the DLQ holds a full card number");
        },
      );

      await t.step(
        "no secret is in process arguments, the processes' environments, logs, the DLQ, the API or the page",
        async () => {
          const secrets = await secretsOfTheRun();
          const [, , dashboard] = children as [Child, Child, Child];
          const base = await dashboardUrl(dashboard);
          const ps = await new Deno.Command("ps", { args: ["-eo", "pid=,args="], stdout: "piped" })
            .output();
          const places: Record<string, string> = {
            "ps -eo args": new TextDecoder().decode(ps.stdout),
            "the DLQ": (await readTopic(adminKafka, dlqTopic(TOPIC))).join("\n"),
            "the broker's log": await Deno.readTextFile(brokerDir(KAFKA_PORT).log),
            "PostgreSQL's log": await Deno.readTextFile(clusterDir(PG_PORT).log),
          };
          for (const child of children) {
            places[`environment of pid ${child.pid}`] = await Deno.readTextFile(
              `/proc/${child.pid}/environ`,
            );
          }
          for (
            const path of ["/", "/kafka", "/api/summary", "/api/reports", "/api/breakdown/card"]
          ) {
            const res = await fetch(`${base}${path}`, {
              headers: { authorization: `Bearer ${TOKEN}` },
            });
            assert.equal(res.status, 200, path);
            places[`GET ${path}`] = await res.text();
          }
          const denied = await fetch(`${base}/api/summary`, {
            headers: { authorization: "Bearer wrong" },
          });
          places["a 401 answer"] = await denied.text();
          const operations = {
            "the reports process'": `http://127.0.0.1:${REPORTS_METRICS_PORT}`,
            "the consumer's": `http://127.0.0.1:${CONSUMER_METRICS_PORT}`,
            "the dashboard's": base,
          };
          for (const [whose, url] of Object.entries(operations)) {
            for (const path of ["/metrics", "/healthz", "/readyz"]) {
              const res = await fetch(`${url}${path}`, {
                headers: { authorization: `Bearer ${TOKEN}` },
              });
              assert.equal(res.status, 200, `${whose} ${path}`);
              places[`${whose} ${path}`] = await res.text();
            }
          }
          for (const child of children) {
            const status = await child.stop();
            assert.equal(status.code, 0, child.output);
            places[`output of pid ${child.pid}`] = child.raw;
          }
          // Each process logged JSON (the reports launcher has nothing to say once built).
          for (const child of children) {
            for (const line of child.raw.trim().split("\n")) {
              const parsed = JSON.parse(line);
              assert.ok(parsed.time && parsed.level && parsed.logger && parsed.msg, line);
            }
          }
          for (const [place, text] of Object.entries(places)) {
            assert.deepEqual(leaked(secrets, text), [], `secrets found in ${place}`);
          }
          assert.deepEqual(
            leaked(secrets, `a ${TOKEN} b`),
            ["dashboard token"],
            "the search works",
          );
        },
      );

      await t.step(
        "each Kafka user is refused outside its rights, in a sentence naming the setting",
        async () => {
          const explain = (error: unknown, user: KafkaUser, what: string) =>
            explainKafkaError(error, what, BROKERS, configOf(user).kafkaSecurity);
          const dashboardSends = await refusal(
            "the dashboard's user sending",
            () =>
              produceRecords([{ line: 1, record: sampleRecords(1, 3)[0] }], {
                kafka: clientOf("dashboard"),
                topic: TOPIC,
                partitions: 3,
                delayMs: [0, 0],
              }),
          );
          assert.match(
            explain(dashboardSends, "dashboard", `send to ${TOPIC}`),
            new RegExp(
              `^Kafka user "dashboard" may not send to ${TOPIC}: the broker's ACLs refuse .*KAFKA_USERNAME`,
            ),
          );
          const producerReads = await refusal(
            "the producer's user reading",
            () => consumeOnce(clientOf("producer"), GROUP, TOPIC),
          );
          assert.match(
            explain(producerReads, "producer", `consume ${TOPIC}`),
            /^Kafka user "producer" may not consume .*ACLs refuse the (consumer group|topic).*KAFKA_USERNAME/,
          );
          const consumerWrites = await refusal(
            "the consumer's user writing the sales topic",
            async () => {
              const producer = clientOf("consumer").producer({
                createPartitioner: Partitioners.DefaultPartitioner,
                retry: { retries: 1 },
              });
              await producer.connect();
              try {
                await producer.send({ topic: TOPIC, messages: [{ key: "x", value: "{}" }] });
              } finally {
                await producer.disconnect();
              }
            },
          );
          assert.match(
            explain(consumerWrites, "consumer", `send to ${TOPIC}`),
            /ACLs refuse the topic/,
          );
          const otherGroup = await refusal(
            "the consumer's user in another group",
            () => consumeOnce(clientOf("consumer"), `not-${GROUP}`, TOPIC),
          );
          assert.match(
            explain(otherGroup, "consumer", "consume"),
            /ACLs refuse the consumer group/,
          );
          const dashboardReads = await refusal(
            "the dashboard's user reading sales",
            () => consumeOnce(clientOf("dashboard"), `reports-page-${SUFFIX}`, TOPIC),
          );
          assert.match(explain(dashboardReads, "dashboard", "read"), /ACLs refuse the topic/);
          const foreignTransaction = await refusal(
            "the reports' user with a foreign transactional id",
            async () => {
              const producer = clientOf("reports").producer({
                transactionalId: `not-${REPORTS_GROUP}`,
                maxInFlightRequests: 1,
                idempotent: true,
              });
              await producer.connect();
              try {
                await (await producer.transaction()).abort();
              } finally {
                await producer.disconnect();
              }
            },
          );
          assert.match(
            explain(foreignTransaction, "reports", "use its transactional id"),
            /ACLs refuse the transactional id/,
          );
        },
      );

      await t.step(
        "a wrong password or CA is refused in one line naming the setting, exit 1, no secret shown",
        async () => {
          const wrong = await Deno.makeTempFile();
          const guess = `wrong-${crypto.randomUUID()}`;
          await Deno.writeTextFile(wrong, guess);
          try {
            const cases: [string, string[], Record<string, string>, RegExp][] = [
              [
                "producer.ts",
                ["--generate", "1", "--delay", "0"],
                settingsOf("producer", { KAFKA_PASSWORD_FILE: wrong }),
                /^error: Kafka at .* refused the login of "producer" .*KAFKA_PASSWORD_FILE; nothing was sent$/,
              ],
              [
                "consumer.ts",
                [],
                settingsOf("consumer", { CONSUMER_DATABASE_PASSWORD_FILE: wrong }),
                /^Cannot start consumer: PostgreSQL refused the password of user "sales_writer" .*fix CONSUMER_DATABASE_PASSWORD_FILE$/,
              ],
              [
                "main.ts",
                ["--port", String(freePort())],
                settingsOf("dashboard", { DASHBOARD_DATABASE_PASSWORD_FILE: wrong }),
                /^Cannot start dashboard: PostgreSQL refused the password of user "sales_reader" .*fix DASHBOARD_DATABASE_PASSWORD_FILE$/,
              ],
              [
                "consumer.ts",
                [],
                settingsOf("consumer", { DATABASE_CA_FILE: "" }),
                /accepts only TLS connections: set DATABASE_CA_FILE/,
              ],
              [
                "reports.ts",
                [],
                settingsOf("reports", { KAFKA_CA_FILE: SYSTEM_CAS }),
                /^Cannot start reports: Kafka's TLS certificate at .* is not trusted .*: set KAFKA_CA_FILE to the CA that signed it$/,
              ],
            ];
            const results = await Promise.all(
              cases.map(([script, args, env]) => runToEnd(script, args, env)),
            );
            const secrets = await secretsOfTheRun();
            results.forEach(({ code, output }, i) => {
              const [script, , , pattern] = cases[i]!;
              assert.equal(code, 1, `${script}: ${output}`);
              // The consumer says where it starts to (one information line), then why it stopped.
              const lines = output.trim().split("\n").filter((l) =>
                !/Warning|Timeout duration/.test(l) &&
                !(script === "consumer.ts" && /^starting: consume \S+ as group /.test(l))
              );
              assert.equal(lines.length, 1, `${script}: one line:\n${output}`);
              assert.match(lines[0]!, pattern, `${script}: ${output}`);
              assert.ok(!output.includes(guess), `${script} shows the password it was given`);
              assert.deepEqual(leaked(secrets, output), [], script);
            });
          } finally {
            await Deno.remove(wrong);
          }
        },
      );

      await t.step(
        "the dashboard's PostgreSQL session cannot become another role (SET ROLE, RESET ROLE)",
        async () => {
          const reader = connectLogin(configOf("dashboard").database.dashboard, { max: 1 });
          const who = async () => {
            const [r] =
              await reader`select current_user, session_user, (select ssl from pg_stat_ssl where pid = pg_backend_pid()) as ssl`;
            return r!;
          };
          try {
            assert.deepEqual({ ...await who() }, {
              current_user: "sales_reader",
              session_user: "sales_reader",
              ssl: true,
            });
            for (const role of ["postgres", "sales_writer"]) {
              await assert.rejects(reader`set role ${reader(role)}`, { code: "42501" }, role);
            }
            await assert.rejects(reader`set session authorization postgres`, { code: "42501" });
            await reader`set role none`;
            assert.equal((await who()).current_user, "sales_reader");
            await reader`reset role`;
            assert.equal((await who()).current_user, "sales_reader");
            await assert.rejects(reader`insert into categories (name) values ('x')`, {
              code: "42501",
            });
          } finally {
            await reader.end();
          }
        },
      );

      await t.step(
        "a Java client logs in with the same settings, its password through a config provider",
        async () => {
          const dir = await Deno.makeTempDir({ prefix: "java-client-" });
          try {
            const security = configOf("reports").kafkaSecurity;
            const properties = await writeJavaClientConfig(BROKERS, security, dir);
            const text = await Deno.readTextFile(properties);
            assert.ok(
              !text.includes(security.sasl!.password()),
              "the password is in the properties",
            );
            assert.match(text, /password="\$\{dir:.*:kafka-password\}"/);
            assert.equal((await Deno.stat(`${dir}/secrets/kafka-password`)).mode! & 0o777, 0o600);
            const out = await new Deno.Command("java", {
              args: [
                `-Dlog4j.configuration=file:${ROOT}infra/kafka/log4j.properties`,
                "-cp",
                // kafka.admin.BrokerApiVersionsCommand left the broker's jar in Kafka 4: the
                // 3.9.1 jars (`deno task test` resolves them) hold the client tool.
                `${kafkaLibsDir("3.9.1")}/*`,
                "kafka.admin.BrokerApiVersionsCommand",
                "--bootstrap-server",
                BROKERS[0]!,
                "--command-config",
                properties,
              ],
              stdout: "piped",
              stderr: "piped",
            }).output();
            const said = new TextDecoder().decode(out.stdout) +
              new TextDecoder().decode(out.stderr);
            assert.equal(out.code, 0, said);
            assert.match(said, /Produce\(0\)/);
          } finally {
            await Deno.remove(dir, { recursive: true });
          }
        },
      );
    } finally {
      for (const child of children) await child.stop();
      await cleanUp(adminKafka);
      await owner.end();
      await Deno.remove(TOKEN_FILE).catch(() => {});
      await Deno.remove(REPORTS_STATE_DIR, { recursive: true }).catch(() => {});
      const stop = [
        ...(started.kafka ? ["--brokers", BROKERS[0]!] : []),
        ...(started.postgres ? ["--database-url", DATABASE_URL] : []),
      ];
      if (started.kafka || started.postgres) {
        const only = started.kafka && started.postgres
          ? []
          : ["--only", started.kafka ? "kafka" : "postgres"];
        const down = await runToEnd("scripts/down.ts", [...only, ...stop], {});
        assert.equal(down.code, 0, down.output);
      }
    }
  },
});
