import assert from "node:assert/strict";
import { loadKafkaSecurity } from "../../lib/infra/config.ts";
import { kafkajsSecurity } from "../../lib/infra/kafka.ts";
import { CERT, KEY, SASL, SECRET } from "../support/secret_files.ts";

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
