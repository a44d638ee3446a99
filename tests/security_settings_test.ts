/**
 * The security settings without services: each bad input refused in a sentence naming the
 * setting (never showing a secret), kafkajs' TLS and SASL options, Kafka's and PostgreSQL's
 * refusals explained, the Java client's properties, and wrong dashboard tokens slowed down.
 */
import assert from "node:assert/strict";
import { Hono } from "hono";
import { type KafkaSecurity, loadConfig, loadKafkaSecurity } from "../lib/infra/config.ts";
import { ConfigError, readSecretFile, type Source } from "../lib/infra/settings.ts";
import { databaseError, DatabaseRefusedError, DatabaseUnavailableError } from "../lib/infra/db.ts";
import { kafkajsSecurity, noteKafkaLog } from "../lib/infra/kafka.ts";
import {
  explainKafkaError,
  isKafkaRefusal,
  writeJavaClientConfig,
} from "../lib/infra/kafka_security.ts";
import { FailedLogins, requireToken } from "../routes/auth.ts";

const SECRET = "s3cret-value-never-shown-0123456789";

/** A folder of PEM-looking and secret files for the settings to point at. */
const DIR = await Deno.makeTempDir({ prefix: "settings-test-" });
const CERT = `${DIR}/ca.crt`;
const KEY = `${DIR}/client.key`;
const ENCRYPTED_KEY = `${DIR}/encrypted.key`;
const PASSWORD = `${DIR}/password`;
const EMPTY = `${DIR}/empty`;
const NOT_PEM = `${DIR}/not-pem`;
await Deno.writeTextFile(CERT, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
await Deno.writeTextFile(KEY, "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n");
await Deno.writeTextFile(
  ENCRYPTED_KEY,
  "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIGH\n-----END ENCRYPTED PRIVATE KEY-----\n",
);
await Deno.writeTextFile(PASSWORD, `${SECRET}\n`);
await Deno.writeTextFile(EMPTY, "\n");
await Deno.writeTextFile(NOT_PEM, SECRET);

/** The settings of a SASL_SSL login that loads. */
const SASL: Source = {
  KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
  KAFKA_USERNAME: "producer",
  KAFKA_PASSWORD_FILE: PASSWORD,
  KAFKA_CA_FILE: CERT,
};

/** The ConfigError message of loading these settings; fails when they load. */
function refused(env: Source, flags: Source = {}): string {
  try {
    loadConfig(env, flags);
  } catch (error) {
    assert.ok(
      error instanceof ConfigError,
      `${(error as Error).name}: ${(error as Error).message}`,
    );
    assert.ok(!error.message.includes(SECRET), `the message shows the secret: ${error.message}`);
    assert.ok(!error.message.includes("\n"), `one line: ${error.message}`);
    return error.message;
  }
  assert.fail(`loaded: ${JSON.stringify(env)} ${JSON.stringify(flags)}`);
}

Deno.test("each bad Kafka security setting or flag is refused in one sentence naming it", () => {
  const cases: [Source, Source, RegExp][] = [
    [
      { KAFKA_SECURITY_PROTOCOL: "TLS" },
      {},
      /^KAFKA_SECURITY_PROTOCOL takes PLAINTEXT, SSL, SASL_SSL, got "TLS"/,
    ],
    [
      {},
      { "kafka-security-protocol": "sasl_plaintext" },
      /SASL_PLAINTEXT is not supported: .* use SASL_SSL/,
    ],
    [{ KAFKA_SECURITY_PROTOCOL: " " }, {}, /^KAFKA_SECURITY_PROTOCOL is empty/],
    [
      { ...SASL, KAFKA_SASL_MECHANISM: "GSSAPI" },
      {},
      /^KAFKA_SASL_MECHANISM takes PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, got "GSSAPI"/,
    ],
    [{ ...SASL }, { "kafka-sasl-mechanism": "md5" }, /^--kafka-sasl-mechanism takes .*got "md5"/],
    [{ ...SASL, KAFKA_USERNAME: undefined }, {}, /SASL_SSL needs KAFKA_USERNAME/],
    [
      { ...SASL },
      { "kafka-username": 'say"hi' },
      /^--kafka-username must be printable ASCII without spaces, quotes/,
    ],
    [
      { ...SASL, KAFKA_PASSWORD_FILE: undefined },
      {},
      /SASL_SSL needs the password in KAFKA_PASSWORD_FILE/,
    ],
    [
      { ...SASL, KAFKA_PASSWORD_FILE: `${DIR}/missing` },
      {},
      /^KAFKA_PASSWORD_FILE=.*\/missing cannot be read \(no such file\)/,
    ],
    [{ ...SASL }, { "kafka-password-file": EMPTY }, /^KAFKA_PASSWORD_FILE=.*\/empty is empty/],
    [{ ...SASL, KAFKA_PASSWORD_FILE: DIR }, {}, /^KAFKA_PASSWORD_FILE=.* cannot be read/],
    [
      { ...SASL, KAFKA_PASSWORD: SECRET },
      {},
      /^set KAFKA_PASSWORD_FILE or KAFKA_PASSWORD, not both/,
    ],
    [
      { KAFKA_USERNAME: "producer" },
      {},
      /^KAFKA_USERNAME is set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT, so no login would be sent; set KAFKA_SECURITY_PROTOCOL=SASL_SSL/,
    ],
    [
      { KAFKA_PASSWORD: SECRET },
      {},
      /^KAFKA_PASSWORD is set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT/,
    ],
    [
      { KAFKA_SECURITY_PROTOCOL: "SSL", KAFKA_PASSWORD_FILE: PASSWORD },
      {},
      /^KAFKA_PASSWORD_FILE is set but KAFKA_SECURITY_PROTOCOL is SSL/,
    ],
    [{ KAFKA_SASL_MECHANISM: "PLAIN" }, {}, /^KAFKA_SASL_MECHANISM is set but .*PLAINTEXT/],
    [
      {},
      { "kafka-ca-file": CERT },
      /^KAFKA_CA_FILE is set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT, so no TLS would be used/,
    ],
    [{ KAFKA_CERT_FILE: CERT }, {}, /^KAFKA_CERT_FILE is set but .*PLAINTEXT/],
    [{ KAFKA_KEY_FILE: KEY }, {}, /^KAFKA_KEY_FILE is set but .*PLAINTEXT/],
    [{ ...SASL, KAFKA_CA_FILE: NOT_PEM }, {}, /^KAFKA_CA_FILE=.*not-pem holds no PEM certificate/],
    [
      { ...SASL },
      { "kafka-ca-file": `${DIR}/nope.crt` },
      /^KAFKA_CA_FILE=.*nope.crt cannot be read \(no such file\)/,
    ],
    [
      { ...SASL, KAFKA_CERT_FILE: CERT },
      {},
      /^KAFKA_CERT_FILE and KAFKA_KEY_FILE go together.*KAFKA_KEY_FILE is missing/,
    ],
    [{ ...SASL }, { "kafka-key-file": KEY }, /go together.*KAFKA_CERT_FILE is missing/],
    [
      { ...SASL, KAFKA_CERT_FILE: NOT_PEM, KAFKA_KEY_FILE: KEY },
      {},
      /^KAFKA_CERT_FILE=.* holds no PEM certificate/,
    ],
    [
      { ...SASL, KAFKA_CERT_FILE: CERT },
      { "kafka-key-file": NOT_PEM },
      /^KAFKA_KEY_FILE=.* holds no PEM private key/,
    ],
    [
      { ...SASL, KAFKA_CERT_FILE: CERT, KAFKA_KEY_FILE: ENCRYPTED_KEY },
      {},
      /^KAFKA_KEY_FILE=.* holds an encrypted key/,
    ],
  ];
  for (const [env, flags, pattern] of cases) {
    assert.match(refused(env, flags), pattern, JSON.stringify({ env, flags }));
  }
});

Deno.test("each bad PostgreSQL login setting is refused in one sentence naming it, no password shown", () => {
  const cases: [Source, Source, RegExp][] = [
    [
      { DATABASE_URL: `mysql://root:${SECRET}@db/sales` },
      {},
      /^DATABASE_URL must start with postgres:\/\/, got "mysql:\/\/root:\*\*\*@db\/sales"/,
    ],
    [
      {},
      { "database-url": `postgres://postgres:${SECRET}@db/sales` },
      /^--database-url holds a password, and process arguments are visible to every user .*DATABASE_PASSWORD_FILE/,
    ],
    [
      { DATABASE_URL: "postgres://db/sales?sslmode=verify-full&sslrootcert=/ca.crt" },
      {},
      /^DATABASE_URL has sslrootcert, which the PostgreSQL client ignores: .*DATABASE_CA_FILE/,
    ],
    [
      { CONSUMER_DATABASE_URL: `http://sales_writer:${SECRET}@db/sales` },
      {},
      /^CONSUMER_DATABASE_URL must start with postgres:\/\//,
    ],
    [
      { DASHBOARD_DATABASE_URL: "postgres://db/sales?sslrootcert=x" },
      {},
      /^DASHBOARD_DATABASE_URL has sslrootcert/,
    ],
    [{ DATABASE_CA_FILE: NOT_PEM }, {}, /^DATABASE_CA_FILE=.* holds no PEM certificate/],
    [
      { DATABASE_CA_FILE: `${DIR}/none` },
      {},
      /^DATABASE_CA_FILE=.* cannot be read \(no such file\)/,
    ],
    [{ DATABASE_PASSWORD_FILE: EMPTY }, {}, /^DATABASE_PASSWORD_FILE=.* is empty/],
    [
      { CONSUMER_DATABASE_PASSWORD_FILE: `${DIR}/none` },
      {},
      /^CONSUMER_DATABASE_PASSWORD_FILE=.* cannot be read/,
    ],
    [
      { DASHBOARD_DATABASE_PASSWORD_FILE: DIR },
      {},
      /^DASHBOARD_DATABASE_PASSWORD_FILE=.* cannot be read \(it is a folder\)/,
    ],
    [
      { DATABASE_URL: `postgres://postgres:${SECRET}@db/sales`, DATABASE_PASSWORD_FILE: PASSWORD },
      {},
      /^DATABASE_URL holds a password and DATABASE_PASSWORD_FILE is set; use one/,
    ],
  ];
  for (const [env, flags, pattern] of cases) {
    assert.match(refused(env, flags), pattern, JSON.stringify({ env, flags }));
  }
});

Deno.test("secret files: one trailing newline dropped, a second line refused, the value never in the config's JSON", () => {
  assert.equal(readSecretFile("KAFKA_PASSWORD_FILE", PASSWORD), SECRET);
  const twoLines = `${DIR}/two-lines`;
  Deno.writeTextFileSync(twoLines, `${SECRET}\nmore\n`);
  assert.throws(() => readSecretFile("KAFKA_PASSWORD_FILE", twoLines), /has more than one line/);
  const config = loadConfig({ ...SASL, DATABASE_PASSWORD_FILE: PASSWORD });
  assert.equal(config.kafkaSecurity.sasl?.password(), SECRET);
  assert.ok(!JSON.stringify(config).includes(SECRET), "the password is in the config's JSON");
  assert.ok(!Deno.inspect(config, { depth: 10 }).includes(SECRET), "printing the config shows it");
  assert.equal(config.database.owner.passwordFile, PASSWORD);
  assert.equal(config.database.consumer.url, "postgres://sales_writer@localhost:5432/sales");
  assert.equal(config.database.dashboard.url, "postgres://sales_reader@localhost:5432/sales");
});

Deno.test("kafkajs gets TLS with verification and the SASL login; PLAINTEXT gets neither", () => {
  assert.deepEqual(kafkajsSecurity(loadKafkaSecurity({})), {});
  const ssl = kafkajsSecurity(loadKafkaSecurity({ KAFKA_SECURITY_PROTOCOL: "SSL" }));
  assert.deepEqual(ssl, { ssl: { rejectUnauthorized: true } }, "no CA: the system's roots");
  const sasl = kafkajsSecurity(loadKafkaSecurity({
    ...SASL,
    KAFKA_SASL_MECHANISM: "scram-sha-256",
    KAFKA_CERT_FILE: CERT,
    KAFKA_KEY_FILE: KEY,
  }));
  assert.deepEqual(sasl.sasl, {
    mechanism: "scram-sha-256",
    username: "producer",
    password: SECRET,
  });
  const tls = sasl.ssl as { rejectUnauthorized: boolean; ca: string[]; cert: string; key: string };
  assert.equal(tls.rejectUnauthorized, true);
  assert.match(tls.ca[0]!, /BEGIN CERTIFICATE/);
  assert.match(tls.key, /BEGIN PRIVATE KEY/);
});

/** A kafkajs-shaped error. */
function kafkaError(name: string, message: string, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(message), { name, ...extra });
}

Deno.test("Kafka's refusals are explained in one line naming the setting to fix", () => {
  const security = loadKafkaSecurity(SASL);
  const explain = (error: unknown, what = "send to sales_topic", s: KafkaSecurity = security) =>
    explainKafkaError(error, what, ["localhost:9492"], s);
  const login = kafkaError(
    "KafkaJSSASLAuthenticationError",
    "SASL SCRAM SHA512 authentication failed: Authentication failed during authentication",
  );
  assert.equal(
    explain(login),
    'Kafka at localhost:9492 refused the login of "producer" (SCRAM-SHA-512): wrong user name or ' +
      "password; check KAFKA_USERNAME and KAFKA_PASSWORD_FILE",
  );
  assert.ok(isKafkaRefusal(login));
  const topic = kafkaError("KafkaJSNumberOfRetriesExceeded", "retries", {
    cause: kafkaError("KafkaJSProtocolError", "Not authorized to access topics", {
      type: "TOPIC_AUTHORIZATION_FAILED",
    }),
  });
  assert.match(
    explain(topic),
    /^Kafka user "producer" may not send to sales_topic: the broker's ACLs refuse the topic; check KAFKA_USERNAME/,
  );
  assert.ok(isKafkaRefusal(topic));
  const cluster = kafkaError("KafkaJSProtocolError", "Cluster authorization failed", {
    type: "CLUSTER_AUTHORIZATION_FAILED",
  });
  assert.match(explain(cluster), /ACLs refuse a cluster action/);
  const coordinator = kafkaError(
    "KafkaJSGroupCoordinatorNotFound",
    "Failed to find group coordinator",
  );
  noteKafkaLog(
    "Connection",
    "Response GroupCoordinator(key: 10, version: 2)",
    "Not authorized to access group: Group authorization failed",
  );
  assert.match(
    explain(coordinator, "consume sales_topic as group g"),
    /may not consume sales_topic as group g: the broker's ACLs refuse the consumer group/,
  );
  noteKafkaLog("Connection", "Response FindCoordinator", "Transactional Id authorization failed");
  assert.match(explain(coordinator), /ACLs refuse the transactional id/);
  const untrusted = kafkaError(
    "KafkaJSConnectionError",
    "self-signed certificate in certificate chain",
    {
      code: "SELF_SIGNED_CERT_IN_CHAIN",
    },
  );
  assert.match(
    explain(untrusted),
    /^Kafka's TLS certificate at localhost:9492 is not trusted .*set KAFKA_CA_FILE/,
  );
  assert.ok(!isKafkaRefusal(untrusted), "a connection error may be retried");
  const name = kafkaError(
    "KafkaJSConnectionError",
    "Hostname/IP does not match certificate's altnames",
    {
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
    },
  );
  assert.match(explain(name), /does not name the host in KAFKA_BROKERS/);
  const closed = kafkaError("KafkaJSConnectionClosedError", "Connection closed by the server");
  assert.match(
    explain(closed, "send", loadKafkaSecurity({})),
    /it may expect TLS and a login; check KAFKA_SECURITY_PROTOCOL/,
  );
  const mechanism = kafkaError("KafkaJSProtocolError", "Unsupported SASL mechanism", {
    type: "UNSUPPORTED_SASL_MECHANISM",
  });
  assert.match(
    explain(mechanism),
    /does not accept SCRAM-SHA-512 logins: set KAFKA_SASL_MECHANISM/,
  );
});

Deno.test("PostgreSQL's refusals are one sentence naming the setting, in the right class", () => {
  const config = loadConfig({ DATABASE_URL: "postgres://postgres@db.example:5432/sales" });
  const consumer = config.database.consumer;
  const pg = (code: string, message: string) => Object.assign(new Error(message), { code });
  const cases: [Error, RegExp, typeof DatabaseRefusedError | typeof DatabaseUnavailableError][] = [
    [
      pg("28P01", 'password authentication failed for user "sales_writer"'),
      /^PostgreSQL refused the password of user "sales_writer" at db.example:5432: it needs one; set CONSUMER_DATABASE_PASSWORD_FILE/,
      DatabaseRefusedError,
    ],
    [
      pg(
        "28000",
        'no pg_hba.conf entry for host "1.2.3.4", user "sales_writer", database "sales", no encryption',
      ),
      /accepts only TLS connections: set DATABASE_CA_FILE/,
      DatabaseRefusedError,
    ],
    [
      pg("3D000", 'database "sales" does not exist'),
      /has no database "sales": run `deno task up` or fix CONSUMER_DATABASE_URL/,
      DatabaseRefusedError,
    ],
    [
      pg("42501", 'permission denied for database "sales"'),
      /^PostgreSQL user "sales_writer" at db.example:5432: permission denied for database "sales"; fix CONSUMER_DATABASE_URL/,
      DatabaseRefusedError,
    ],
    [
      pg("SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain"),
      /TLS certificate at db.example:5432 is not trusted .*set DATABASE_CA_FILE/,
      DatabaseRefusedError,
    ],
    [
      pg("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match"),
      /does not name db.example: use a host name it holds in CONSUMER_DATABASE_URL/,
      DatabaseRefusedError,
    ],
    [
      pg("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.1:5432"),
      /^Cannot reach PostgreSQL at db.example:5432 .*deno task up/,
      DatabaseUnavailableError,
    ],
  ];
  for (const [error, pattern, kind] of cases) {
    const explained = databaseError(error, consumer);
    assert.ok(explained instanceof kind, `${error.message}: ${explained.name}`);
    assert.match(explained.message, pattern);
  }
  const withFile = loadConfig({ CONSUMER_DATABASE_PASSWORD_FILE: PASSWORD }).database.consumer;
  assert.match(
    databaseError(pg("28P01", "password authentication failed"), withFile).message,
    /: fix CONSUMER_DATABASE_PASSWORD_FILE$/,
  );
});

Deno.test("a Java client's properties hold no password: it is read from a 0600 file by a config provider", async () => {
  const security = loadKafkaSecurity({ ...SASL, KAFKA_CERT_FILE: CERT, KAFKA_KEY_FILE: KEY });
  const dir = `${DIR}/java`;
  const path = await writeJavaClientConfig(["localhost:9492", "localhost:9493"], security, dir);
  const text = await Deno.readTextFile(path);
  assert.ok(!text.includes(SECRET));
  for (
    const line of [
      "bootstrap.servers=localhost:9492,localhost:9493",
      "security.protocol=SASL_SSL",
      "sasl.mechanism=SCRAM-SHA-512",
      "ssl.endpoint.identification.algorithm=https",
      `ssl.truststore.location=${await Deno.realPath(CERT)}`,
      "ssl.keystore.type=PEM",
      "config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider",
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="producer" password="\${dir:${dir}/secrets:kafka-password}";`,
    ]
  ) {
    assert.ok(text.split("\n").includes(line), `missing: ${line}\n${text}`);
  }
  assert.equal(
    await Deno.readTextFile(`${dir}/secrets/kafka-password`),
    SECRET,
    "no newline added",
  );
  for (
    const file of [path, `${dir}/secrets/kafka-password`, `${dir}/secrets/client-keystore.pem`]
  ) {
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600, file);
  }
  assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
  await assert.rejects(writeJavaClientConfig(["x:1"], security, `${DIR}/a:b`), /may not hold ':'/);
});

Deno.test("wrong dashboard tokens are answered later and later, then refused with 429 without a check", async () => {
  const token = "right-token-0123456789";
  const app = new Hono()
    .use(
      requireToken(
        token,
        new FailedLogins({ delayMs: 150, maxDelayMs: 400, limit: 4, windowMs: 3_000 }),
      ),
    )
    .get("/", (c) => c.text("ok"));
  const ask = async (authorization?: string) => {
    const started = performance.now();
    const res = await app.request("/", { headers: authorization ? { authorization } : {} });
    return {
      status: res.status,
      ms: performance.now() - started,
      retry: res.headers.get("retry-after"),
      body: await res.text(),
    };
  };
  assert.equal((await ask()).status, 401, "no token: 401 at once");
  assert.ok((await ask()).ms < 100, "a missing token is not slowed down");
  const waits: number[] = [];
  for (let i = 0; i < 4; i++) {
    const answer = await ask("Bearer wrong");
    assert.equal(answer.status, 401);
    waits.push(answer.ms);
  }
  assert.ok(
    waits[0]! >= 145 && waits[1]! >= 295 && waits[2]! >= 395 && waits[3]! >= 395,
    `waits ${waits.map(Math.round)}`,
  );
  assert.equal(
    (await ask(`Bearer ${token}`)).status,
    429,
    "locked out: even the right token waits",
  );
  const locked = await ask("Bearer wrong");
  assert.equal(locked.status, 429);
  assert.ok(Number(locked.retry) >= 1 && Number(locked.retry) <= 3, `Retry-After ${locked.retry}`);
  assert.ok(locked.ms < 100, "a locked-out request is answered at once");
  assert.ok(!locked.body.includes(token));
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  assert.equal((await ask(`Bearer ${token}`)).status, 200, "the window passed");
});

Deno.test("a wrong token counts for its client address only", async () => {
  const failed = new FailedLogins({ delayMs: 0, limit: 2 });
  await failed.failed("10.0.0.1");
  await failed.failed("10.0.0.1");
  assert.ok(failed.lockedFor("10.0.0.1") > 0);
  assert.equal(failed.lockedFor("10.0.0.2"), 0);
});

globalThis.addEventListener("unload", () => Deno.removeSync(DIR, { recursive: true }));
