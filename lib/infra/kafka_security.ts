/**
 * Kafka's security settings checked and explained: the TLS handshake checked before connecting,
 * Kafka's refusals explained in one sentence that names the setting to fix, and the same settings
 * as a Java client's properties (the password through a config provider, never in the file).
 */
import { isIP } from "node:net";
import tls from "node:tls";
import type { KafkaSecurity } from "./config.ts";
import { errorChain, kafkajsSecurity, lastBrokerRefusal } from "./kafka.ts";

/** Thrown when the TLS handshake with a broker fails for good (certificate, name, protocol). */
class KafkaTlsError extends Error {
  override name = "KafkaTlsError";
  constructor(message: string, readonly code: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Checks the TLS handshake with the first broker, so that an untrusted certificate, a host name
 * it does not hold or a port that does not speak TLS fails at once with KafkaTlsError (kafkajs
 * would retry it like a network error for a minute). A broker that does not answer is left to
 * kafkajs. Nothing to do for PLAINTEXT.
 */
export async function verifyKafkaTls(
  brokers: string[],
  security: KafkaSecurity,
  timeoutMs = 5_000,
): Promise<void> {
  if (security.protocol === "PLAINTEXT") return;
  const [host = "", port = ""] = (brokers[0] ?? "").split(":");
  const options = kafkajsSecurity(security).ssl as tls.ConnectionOptions;
  await new Promise<void>((resolve, reject) => {
    const socket = tls.connect({
      host,
      port: Number(port),
      ...(isIP(host) ? {} : { servername: host }),
      ...options,
    }, () => {
      socket.end();
      resolve();
    });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve();
    });
    socket.on("error", (error: Error & { code?: string }) => {
      socket.destroy();
      const code = error.code ?? "";
      const lasting = /^(ERR_SSL|ERR_TLS|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(code) ||
        /certificate|wrong version number|handshake|before secure TLS connection/i.test(
          error.message,
        );
      if (lasting) reject(new KafkaTlsError(`TLS error: ${error.message}`, code, { cause: error }));
      else resolve();
    });
  });
}

/** What was refused, by the broker's error type. */
const REFUSED_RESOURCE: Record<string, string> = {
  TOPIC_AUTHORIZATION_FAILED: "the topic",
  GROUP_AUTHORIZATION_FAILED: "the consumer group",
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: "the transactional id",
  CLUSTER_AUTHORIZATION_FAILED: "a cluster action (the user may write no topic at all)",
};

/** True when Kafka refused the login or an action: retrying cannot help, a setting must change. */
export function isKafkaRefusal(error: unknown): boolean {
  return errorChain(error).some((e) =>
    e.name === "KafkaJSSASLAuthenticationError" || (e.type ?? "") in REFUSED_RESOURCE ||
    e.type === "SASL_AUTHENTICATION_FAILED" || e.type === "UNSUPPORTED_SASL_MECHANISM"
  );
}

/**
 * One sentence saying why Kafka refused `what` (e.g. "send to sales_topic") and which setting to
 * fix: the login (KAFKA_USERNAME, KAFKA_PASSWORD_FILE, KAFKA_SASL_MECHANISM), the broker's ACLs
 * for this user, or the TLS settings (KAFKA_CA_FILE, KAFKA_SECURITY_PROTOCOL). Never shows a
 * secret: kafkajs' messages hold none, and only the user name is added.
 */
export function explainKafkaError(
  error: unknown,
  what: string,
  brokers: string[],
  security: KafkaSecurity,
): string {
  const chain = errorChain(error);
  const text = chain.map((e) =>
    `${e.name ?? ""} ${e.type ?? ""} ${e.code ?? ""} ${e.message ?? ""}`
  )
    .join(" | ");
  const has = (pattern: RegExp) => pattern.test(text);
  const at = brokers.join(",");
  const user = security.sasl ? `Kafka user "${security.sasl.username}"` : "this client (no login)";
  const innermost = (chain.at(-1)?.message ?? String(error)).split("\n")[0];

  if (has(/SASLAuthenticationError|SASL_AUTHENTICATION_FAILED|Authentication failed/i)) {
    const password = security.sasl?.passwordFile ? "KAFKA_PASSWORD_FILE" : "KAFKA_PASSWORD";
    return `Kafka at ${at} refused the login of "${security.sasl?.username}" ` +
      `(${security.sasl?.mechanism}): wrong user name or password; check KAFKA_USERNAME and ` +
      password;
  }
  if (has(/UNSUPPORTED_SASL_MECHANISM|Unsupported SASL mechanism|not supported by the broker/i)) {
    return `Kafka at ${at} does not accept ${security.sasl?.mechanism} logins: ` +
      "set KAFKA_SASL_MECHANISM to one it accepts";
  }
  const type = chain.map((e) => e.type ?? "").find((t) => t in REFUSED_RESOURCE);
  if (type) {
    return `${user} may not ${what}: the broker's ACLs refuse ${REFUSED_RESOURCE[type]}; ` +
      "check KAFKA_USERNAME (each process has its own user) or grant the ACL";
  }
  if (has(/GroupCoordinatorNotFound|Failed to find group coordinator/)) {
    const logged = lastBrokerRefusal(120_000) ?? "";
    const resource = /transactional/i.test(logged)
      ? "the transactional id"
      : /group/i.test(logged)
      ? "the consumer group"
      : "the consumer group or transactional id";
    return `${user} may not ${what}: ${
      logged ? "the broker's ACLs refuse" : "no coordinator for"
    } ${resource}; check KAFKA_USERNAME (each process has its own user) or grant the ACL`;
  }
  if (has(/ERR_TLS_CERT_ALTNAME_INVALID|altnames|Hostname\/IP does not match/i)) {
    return `Kafka's TLS certificate does not name the host in KAFKA_BROKERS (${at}): ` +
      "use a host name the certificate holds";
  }
  if (
    has(/SELF_SIGNED_CERT|UNABLE_TO_(VERIFY|GET)|CERT_HAS_EXPIRED|self[- ]signed|certificate/i)
  ) {
    return `Kafka's TLS certificate at ${at} is not trusted (${innermost}): ` +
      "set KAFKA_CA_FILE to the CA that signed it";
  }
  if (
    has(/wrong version number|packet length|SSL routines|before secure TLS connection/i)
  ) {
    return `TLS with Kafka at ${at} failed (${innermost}): the port may not speak TLS; ` +
      "check KAFKA_SECURITY_PROTOCOL and KAFKA_BROKERS";
  }
  if (
    security.protocol === "PLAINTEXT" &&
    has(/Connection closed|ConnectionClosed|ECONNRESET|Connection timeout|EPIPE|socket hang up/i)
  ) {
    return `Kafka at ${at} closed the connection: it may expect TLS and a login; ` +
      "check KAFKA_SECURITY_PROTOCOL (and KAFKA_BROKERS)";
  }
  return `Kafka could not ${what} at ${at}: ${innermost}`;
}

/** The login module of a SASL mechanism in Java clients. */
const LOGIN_MODULES = {
  PLAIN: "org.apache.kafka.common.security.plain.PlainLoginModule",
  "SCRAM-SHA-256": "org.apache.kafka.common.security.scram.ScramLoginModule",
  "SCRAM-SHA-512": "org.apache.kafka.common.security.scram.ScramLoginModule",
} as const;

/** A value escaped for a Java .properties file. */
function propertyValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

/**
 * Writes a Java Kafka client's configuration for the same settings into `dir` (made mode 0700)
 * and returns the path of its properties file: bootstrap servers, security protocol, PEM trust
 * store, a PEM key store for a client certificate, and the SASL login, whose password stays in a
 * file of its own (mode 0600) read through Kafka's DirectoryConfigProvider. Neither the
 * properties file nor the Java command line holds a secret, and the JVM's arguments show none.
 */
export async function writeJavaClientConfig(
  brokers: string[],
  security: KafkaSecurity,
  dir: string,
): Promise<string> {
  if (/[:{}]/.test(dir)) {
    throw new Error(`a Java client's folder may not hold ':', '{' or '}' (got ${dir})`);
  }
  await Deno.mkdir(`${dir}/secrets`, { recursive: true, mode: 0o700 });
  await Deno.chmod(dir, 0o700);
  await Deno.chmod(`${dir}/secrets`, 0o700);
  const secretFile = async (name: string, content: string) => {
    const path = `${dir}/secrets/${name}`;
    await Deno.writeTextFile(path, content, { mode: 0o600 });
    await Deno.chmod(path, 0o600); // an existing file keeps its mode otherwise
    return path;
  };
  const lines: [string, string][] = [
    ["bootstrap.servers", brokers.join(",")],
    ["security.protocol", security.protocol],
  ];
  if (security.protocol !== "PLAINTEXT") {
    const tls = security.tls ?? {};
    lines.push(["ssl.endpoint.identification.algorithm", "https"]);
    if (tls.caFile) {
      lines.push(["ssl.truststore.type", "PEM"]);
      lines.push(["ssl.truststore.location", await Deno.realPath(tls.caFile)]);
    }
    if (tls.cert && tls.key) {
      // Kafka's PEM key store: the private key followed by its certificate chain, in one file.
      lines.push(["ssl.keystore.type", "PEM"]);
      lines.push([
        "ssl.keystore.location",
        await secretFile("client-keystore.pem", `${tls.key.trim()}\n${tls.cert.trim()}\n`),
      ]);
    }
  }
  if (security.sasl) {
    const { mechanism, username, password } = security.sasl;
    await secretFile("kafka-password", password()); // verbatim: the provider keeps a newline
    lines.push(["sasl.mechanism", mechanism]);
    lines.push(["config.providers", "dir"]);
    lines.push([
      "config.providers.dir.class",
      "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
    ]);
    lines.push([
      "sasl.jaas.config",
      `${LOGIN_MODULES[mechanism]} required username="${username}" ` +
      `password="\${dir:${dir}/secrets:kafka-password}";`,
    ]);
  }
  const properties = `${dir}/client.properties`;
  await Deno.writeTextFile(
    properties,
    lines.map(([key, value]) => `${key}=${propertyValue(value)}`).join("\n") + "\n",
    { mode: 0o600 },
  );
  return properties;
}
