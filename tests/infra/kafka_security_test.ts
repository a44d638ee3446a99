import assert from "node:assert/strict";
import { type KafkaSecurity, loadKafkaSecurity } from "../../lib/infra/config.ts";
import { noteKafkaLog } from "../../lib/infra/kafka.ts";
import {
  explainKafkaError,
  isKafkaRefusal,
  writeJavaClientConfig,
} from "../../lib/infra/kafka_security.ts";
import { CERT, KEY, SASL, SECRET, SECRETS_DIR } from "../support/secret_files.ts";

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

Deno.test("a Java client's properties hold no password: it is read from a 0600 file by a config provider", async () => {
  const security = loadKafkaSecurity({ ...SASL, KAFKA_CERT_FILE: CERT, KAFKA_KEY_FILE: KEY });
  const dir = `${SECRETS_DIR}/java`;
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
  await assert.rejects(
    writeJavaClientConfig(["x:1"], security, `${SECRETS_DIR}/a:b`),
    /may not hold ':'/,
  );
});
