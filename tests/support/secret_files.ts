/**
 * PEM-looking and secret files for the security settings to point at, in a folder of their own
 * removed when the tests end; and a SASL_SSL login that loads.
 */
import type { Source } from "../../lib/infra/settings.ts";

/** The secret the files hold; no message, log or JSON may show it. */
export const SECRET = "s3cret-value-never-shown-0123456789";

/** A folder of PEM-looking and secret files for the settings to point at. */
export const SECRETS_DIR = await Deno.makeTempDir({ prefix: "settings-test-" });
/** A PEM certificate (not a valid one), as a CA or client certificate file. */
export const CERT = `${SECRETS_DIR}/ca.crt`;
/** A PEM private key. */
export const KEY = `${SECRETS_DIR}/client.key`;
/** A PEM private key under a passphrase. */
export const ENCRYPTED_KEY = `${SECRETS_DIR}/encrypted.key`;
/** SECRET and a trailing newline, as a password file. */
export const PASSWORD = `${SECRETS_DIR}/password`;
/** Only a newline. */
export const EMPTY = `${SECRETS_DIR}/empty`;
/** SECRET, where a PEM file is expected. */
export const NOT_PEM = `${SECRETS_DIR}/not-pem`;
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
export const SASL: Source = {
  KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
  KAFKA_USERNAME: "producer",
  KAFKA_PASSWORD_FILE: PASSWORD,
  KAFKA_CA_FILE: CERT,
};

globalThis.addEventListener("unload", () => Deno.removeSync(SECRETS_DIR, { recursive: true }));
