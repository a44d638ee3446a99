/**
 * A throw-away certificate authority for the secured local services, made with openssl in
 * .local/tls/: its certificate, and one certificate per server (the Kafka broker, PostgreSQL)
 * valid for localhost, 127.0.0.1 and ::1. Private keys are mode 0600 and never leave the folder
 * except into the servers' own folders.
 */
import { LOCAL_DIR, privateLocalDir, ProvisionError, run } from "../infra/process.ts";

const TLS_DIR = `${LOCAL_DIR}tls/`;

/** The host names every server certificate holds (clients verify them). */
const SERVER_NAMES = "DNS:localhost,IP:127.0.0.1,IP:::1";

/** A server's certificate and key files. */
export interface ServerCertificate {
  cert: string;
  key: string;
}

/** The local CA's certificate (give it to clients as KAFKA_CA_FILE / DATABASE_CA_FILE). */
export const LOCAL_CA_FILE = `${TLS_DIR}ca.crt`;

/** Writes a new P-256 private key to `path`. */
function newPrivateKey(path: string): Promise<void> {
  return openssl([
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-out",
    path,
  ]);
}

/**
 * Makes sure the local CA and the named server's certificate exist and stay valid for at least a
 * day (made or renewed otherwise); returns the server's files. `name` is the certificate's common
 * name, which the Kafka broker's peers map to its principal (User:NAME).
 */
export async function serverCertificate(name: string): Promise<ServerCertificate> {
  await privateLocalDir(TLS_DIR); // opened to 0755 below, once the keys are 0600
  const caKey = `${TLS_DIR}ca.key`;
  if (!await validForADay(LOCAL_CA_FILE) || !await exists(caKey)) {
    await newPrivateKey(caKey);
    await openssl([
      "req",
      "-x509",
      "-new",
      "-key",
      caKey,
      "-sha256",
      "-days",
      "3650",
      "-subj",
      "/CN=sales-stream local CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE,pathlen:0",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
      "-out",
      LOCAL_CA_FILE,
    ]);
  }
  const files = { cert: `${TLS_DIR}${name}.crt`, key: `${TLS_DIR}${name}.key` };
  if (
    !await validForADay(files.cert) || !await signedByLocalCa(files.cert) ||
    !await exists(files.key)
  ) {
    const csr = `${TLS_DIR}${name}.csr`;
    const ext = `${TLS_DIR}${name}.ext`;
    await newPrivateKey(files.key);
    await openssl(["req", "-new", "-key", files.key, "-subj", `/CN=${name}`, "-out", csr]);
    await Deno.writeTextFile(
      ext,
      [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature",
        "extendedKeyUsage=serverAuth,clientAuth",
        `subjectAltName=${SERVER_NAMES}`,
      ].join("\n") + "\n",
    );
    await openssl([
      "x509",
      "-req",
      "-in",
      csr,
      "-CA",
      LOCAL_CA_FILE,
      "-CAkey",
      caKey,
      "-CAcreateserial",
      "-sha256",
      "-days",
      "825",
      "-extfile",
      ext,
      "-out",
      files.cert,
    ]);
    await Deno.remove(csr);
    await Deno.remove(ext);
  }
  for (const key of [caKey, files.key]) await Deno.chmod(key, 0o600);
  for (const cert of [LOCAL_CA_FILE, files.cert]) await Deno.chmod(cert, 0o644);
  await Deno.chmod(TLS_DIR, 0o755); // certificates readable; the keys are 0600
  return files;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** True when the certificate file exists and does not expire within a day. */
async function validForADay(cert: string): Promise<boolean> {
  if (!await exists(cert)) return false;
  const out = await run("openssl", ["x509", "-checkend", "86400", "-noout", "-in", cert]);
  return out.code === 0;
}

/** True when the certificate was signed by the current local CA (not one made before it). */
async function signedByLocalCa(cert: string): Promise<boolean> {
  return (await run("openssl", ["verify", "-CAfile", LOCAL_CA_FILE, cert])).code === 0;
}

/** Runs openssl with new files private to this user (umask 077); ProvisionError on failure. */
async function openssl(args: string[]): Promise<void> {
  const out = await run("sh", ["-c", 'umask 077 && exec openssl "$@"', "openssl", ...args]);
  if (out.code === 127 || /openssl: not found/.test(out.stderr)) {
    throw new ProvisionError(
      "the secured services need `openssl` to make their certificates; install it (apt-get install openssl)",
    );
  }
  if (out.code !== 0) {
    throw new ProvisionError(`openssl ${args[0]} failed: ${out.stderr.trim().split("\n").at(-1)}`);
  }
}
