/**
 * Kafka's security settings applied: kafkajs' TLS and SASL options, the same settings as a Java
 * client's properties (the password through a config provider, never in the file), and Kafka's
 * refusals explained in one sentence that names the setting to fix.
 */
import type { KafkaConfig, SASLOptions } from "kafkajs";
import { isIP } from "node:net";
import tls from "node:tls";
import type { KafkaSecurity } from "./config.ts";

/** kafkajs' `ssl` and `sasl` options for the settings (none for PLAINTEXT). */
export function kafkajsSecurity(security: KafkaSecurity): Pick<KafkaConfig, "ssl" | "sasl"> {
  if (security.protocol === "PLAINTEXT") return {};
  const tls = security.tls ?? {};
  const options: Pick<KafkaConfig, "ssl" | "sasl"> = {
    // Certificate and host name checks stay on; without a CA the system's roots are used.
    ssl: {
      rejectUnauthorized: true,
      ...(tls.ca ? { ca: [tls.ca] } : {}),
      ...(tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : {}),
    },
  };
  if (security.sasl) {
    const { mechanism, username, password } = security.sasl;
    options.sasl = {
      mechanism: mechanism.toLowerCase(),
      username,
      password: password(),
    } as SASLOptions;
  }
  return options;
}

/** Thrown when the TLS handshake with a broker fails for good (certificate, name, protocol). */
export class KafkaTlsError extends Error {
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

/** The broker's last refusal that kafkajs only logged, and when. */
let lastRefusal: { at: number; text: string } | undefined;

/**
 * Keeps a refusal from a kafkajs log entry. kafkajs throws only "Failed to find group coordinator"
 * when the broker refuses a consumer group or a transactional id; the reason ("Not authorized to
 * access group") is in its Connection log line, which the project's log creators pass here.
 */
export function noteKafkaLog(namespace: string, message: string, error?: string): void {
  if (namespace === "Connection" && error && /not authorized|authorization failed/i.test(error)) {
    lastRefusal = { at: Date.now(), text: `${message}: ${error}` };
  }
}

/** True for a kafkajs log line about a refused login or action: the error thrown explains it. */
export function isRefusalLog(text: string): boolean {
  return /authentication failed|not authorized|authorization failed/i.test(text);
}

/** The fields of a kafkajs error that tell what went wrong, and what it wraps. */
interface ErrorLink {
  name?: string;
  type?: string;
  code?: string;
  message?: string;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown[];
}

/** An error and the errors it wraps (retries exceeded, aggregate errors of createTopics). */
function chainOf(error: unknown): ErrorLink[] {
  const chain: ErrorLink[] = [];
  const visit = (e: ErrorLink | undefined) => {
    while (e && typeof e === "object" && chain.length < 20 && !chain.includes(e)) {
      chain.push(e);
      if (Array.isArray(e.errors) && e.errors.length > 0) visit(e.errors[0] as ErrorLink);
      e = (e.cause ?? e.originalError) as ErrorLink | undefined;
    }
  };
  visit(error as ErrorLink);
  return chain;
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
  return chainOf(error).some((e) =>
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
  const chain = chainOf(error);
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
    const logged = lastRefusal && Date.now() - lastRefusal.at < 120_000 ? lastRefusal.text : "";
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
