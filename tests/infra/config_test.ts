/**
 * The settings without services: each bad Kafka security setting and PostgreSQL login refused in a
 * sentence naming the setting (never showing a secret), and secret files read once.
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../lib/infra/config.ts";
import { ConfigError, readSecretFile, type Source } from "../../lib/infra/settings.ts";
import {
  CERT,
  EMPTY,
  ENCRYPTED_KEY,
  KEY,
  NOT_PEM,
  PASSWORD,
  SASL,
  SECRET,
  SECRETS_DIR,
} from "../support/secret_files.ts";

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
      { ...SASL, KAFKA_PASSWORD_FILE: `${SECRETS_DIR}/missing` },
      {},
      /^KAFKA_PASSWORD_FILE=.*\/missing cannot be read \(no such file\)/,
    ],
    [{ ...SASL }, { "kafka-password-file": EMPTY }, /^KAFKA_PASSWORD_FILE=.*\/empty is empty/],
    [{ ...SASL, KAFKA_PASSWORD_FILE: SECRETS_DIR }, {}, /^KAFKA_PASSWORD_FILE=.* cannot be read/],
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
      { "kafka-ca-file": `${SECRETS_DIR}/nope.crt` },
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
      { DATABASE_CA_FILE: `${SECRETS_DIR}/none` },
      {},
      /^DATABASE_CA_FILE=.* cannot be read \(no such file\)/,
    ],
    [{ DATABASE_PASSWORD_FILE: EMPTY }, {}, /^DATABASE_PASSWORD_FILE=.* is empty/],
    [
      { CONSUMER_DATABASE_PASSWORD_FILE: `${SECRETS_DIR}/none` },
      {},
      /^CONSUMER_DATABASE_PASSWORD_FILE=.* cannot be read/,
    ],
    [
      { DASHBOARD_DATABASE_PASSWORD_FILE: SECRETS_DIR },
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
  const twoLines = `${SECRETS_DIR}/two-lines`;
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
