/**
 * PostgreSQL with passwords (`deno task up --secure`): a local cluster where every role logs in
 * with SCRAM-SHA-256 over TLS only, its owner's password generated into .local/secrets/; and, on
 * any server, passwords for the consumer's and the dashboard's roles, from their settings or
 * generated, set as SCRAM verifiers so the clear password never reaches the server.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import type { DatabaseLogin, DatabaseLogins } from "../infra/config.ts";
import { readSecretFile } from "../infra/settings.ts";
import { connectLogin, databaseError, type Sql } from "../infra/db.ts";
import { isLocalHost, LOCAL_DIR, privateLocalDir, ProvisionError, run } from "../infra/process.ts";
import { clusterDir, type ClusterInit, postgresUp } from "./postgres_cluster.ts";
import { LOCAL_CA_FILE, serverCertificate } from "./tls.ts";

/** The folder of the passwords of the cluster on `port` (mode 0700). */
function secretsDir(port: number): string {
  return `${LOCAL_DIR}secrets/postgres-${port}/`;
}

/** The port of a postgres:// URL. */
function portOf(url: string): number {
  return Number(new URL(url).port || 5432);
}

/** The login name of a URL. */
function userOf(url: string): string {
  return decodeURIComponent(new URL(url).username);
}

/** The file of the password `deno task up --secure` generated for a user of the local cluster on `port`. */
export function localDatabasePasswordFile(port: number, user: string): string {
  return `${secretsDir(port)}${user}.password`;
}

/** A password file of .local/secrets/, made (32 random bytes, hex) when missing; returns its path. */
export async function ensurePasswordFile(port: number, name: string): Promise<string> {
  if (!/^\w+$/.test(name)) throw new ProvisionError(`unexpected PostgreSQL user name "${name}"`);
  const file = localDatabasePasswordFile(port, name);
  await privateLocalDir(secretsDir(port));
  try {
    await Deno.writeTextFile(file, randomBytes(32).toString("hex"), {
      mode: 0o600,
      createNew: true,
    });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
  return file;
}

/**
 * The secured logins and a secured server: with a local URL and no DATABASE_PASSWORD_FILE, the
 * owner's password is the one generated for the local cluster, and without DATABASE_CA_FILE the
 * local CA verifies it; a local cluster that does not answer is started with `secureInit`. Then
 * the database is migrated and sales_writer and sales_reader (or the users of
 * CONSUMER_DATABASE_URL and DASHBOARD_DATABASE_URL) get the passwords of
 * CONSUMER_DATABASE_PASSWORD_FILE and DASHBOARD_DATABASE_PASSWORD_FILE, generated into
 * .local/secrets/ when those are not set. Returns the logins with every default filled in.
 */
export async function securePostgresUp(
  logins: DatabaseLogins,
  say: (line: string) => void,
): Promise<DatabaseLogins> {
  const port = portOf(logins.owner.url);
  const local = isLocalHost(new URL(logins.owner.url).hostname);
  const { data } = clusterDir(port);
  const initialised = await exists(`${data}/PG_VERSION`);
  if (local && initialised && !await exists(`${data}/secure.conf`)) {
    throw new ProvisionError(
      `${clusterDir(port).dir} holds a cluster made without --secure (trust authentication): ` +
        `stop it with \`deno task down --database-url ${logins.owner.url}\` and delete the ` +
        "folder, or use another port",
    );
  }
  const ownerFile = logins.owner.passwordFile ??
    (local && (!initialised || await exists(`${secretsDir(port)}postgres.password`))
      ? await ensurePasswordFile(port, "postgres")
      : undefined);
  if (local) await serverCertificate("postgres");
  const caFile = logins.owner.caFile ?? (local ? LOCAL_CA_FILE : undefined);
  const withDefaults = (login: DatabaseLogin, passwordFile?: string): DatabaseLogin => ({
    ...login,
    passwordFile,
    caFile,
  });
  const owner = withDefaults(logins.owner, ownerFile);
  await postgresUp(owner, say, secureInit(port, ownerFile));

  const consumer = withDefaults(
    logins.consumer,
    logins.consumer.passwordFile ?? await ensurePasswordFile(port, userOf(logins.consumer.url)),
  );
  const dashboard = withDefaults(
    logins.dashboard,
    logins.dashboard.passwordFile ?? await ensurePasswordFile(port, userOf(logins.dashboard.url)),
  );
  const sql = connectLogin(owner, { max: 1 });
  try {
    for (const login of [consumer, dashboard]) {
      await setLoginPassword(
        sql,
        userOf(login.url),
        readSecretFile(login.passwordSetting, login.passwordFile!),
      );
    }
  } catch (error) {
    throw databaseError(error, owner);
  } finally {
    await sql.end();
  }
  say(
    `PostgreSQL roles ${userOf(consumer.url)} and ${
      userOf(dashboard.url)
    } log in with their passwords`,
  );
  return { owner, consumer, dashboard };
}

/**
 * A local cluster where every role needs its SCRAM-SHA-256 password and TCP connections need TLS
 * (the owner may also log in as the OS user postgres on the Unix socket). The owner's password
 * reaches initdb through a pipe, never a command-line argument or a file the server can read.
 */
function secureInit(port: number, ownerPasswordFile: string | undefined): ClusterInit {
  return async (bin, data) => {
    if (!ownerPasswordFile) {
      throw new ProvisionError(
        "a secured cluster needs its owner's password: set DATABASE_PASSWORD_FILE",
      );
    }
    const { dir } = clusterDir(port);
    const root = Deno.uid() === 0;
    // initdb reopens /dev/stdin; a pipe made by root cannot be reopened by the postgres user, so
    // `cat |` inside makes one that it owns.
    const script = 'cat | "$0" -D "$1" -U postgres --pwfile=/dev/stdin --auth-local=peer ' +
      "--auth-host=scram-sha-256 -E UTF8";
    const [cmd, ...args] = [
      ...(root ? ["runuser", "-u", "postgres", "--"] : []),
      "sh",
      "-c",
      script,
      `${bin}/initdb`,
      data,
    ];
    const child = new Deno.Command(cmd!, { args, stdin: "piped", stdout: "piped", stderr: "piped" })
      .spawn();
    const writer = child.stdin.getWriter();
    await writer.write(
      new TextEncoder().encode(readSecretFile("DATABASE_PASSWORD_FILE", ownerPasswordFile)),
    );
    await writer.close();
    const out = await child.output();
    if (!out.success) {
      throw new ProvisionError(`initdb failed:\n${new TextDecoder().decode(out.stderr)}`);
    }
    const { cert, key } = await serverCertificate("postgres");
    await Deno.copyFile(cert, `${dir}server.crt`);
    await Deno.copyFile(key, `${dir}server.key`);
    await Deno.writeTextFile(
      `${data}/pg_hba.conf`,
      [
        "# deno task up --secure: every role needs its password (SCRAM-SHA-256), TCP needs TLS.",
        "# TYPE    DATABASE USER     ADDRESS       METHOD",
        "local     all      postgres               peer",
        "local     all      all                    scram-sha-256",
        "hostssl   all      all      127.0.0.1/32  scram-sha-256",
        "hostssl   all      all      ::1/128       scram-sha-256",
        "hostnossl all      all      all           reject",
      ].join("\n") + "\n",
    );
    await Deno.writeTextFile(
      `${data}/secure.conf`,
      [
        "# deno task up --secure",
        "password_encryption = 'scram-sha-256'",
        "ssl = on",
        `ssl_cert_file = '${dir}server.crt'`,
        `ssl_key_file = '${dir}server.key'`,
        "ssl_min_protocol_version = 'TLSv1.2'",
      ].join("\n") + "\n",
    );
    await Deno.writeTextFile(`${data}/postgresql.conf`, "include = 'secure.conf'\n", {
      append: true,
    });
    for (const file of [`${dir}server.key`, `${data}/pg_hba.conf`, `${data}/secure.conf`]) {
      await Deno.chmod(file, 0o600);
    }
    if (root) {
      const files = [
        `${dir}server.crt`,
        `${dir}server.key`,
        `${data}/pg_hba.conf`,
        `${data}/secure.conf`,
      ];
      const out = await run("chown", ["postgres:postgres", ...files]);
      if (out.code !== 0) throw new ProvisionError(`chown failed: ${out.stderr}`);
    }
  };
}

/**
 * PostgreSQL's SCRAM-SHA-256 verifier of a password ("SCRAM-SHA-256$4096:salt$StoredKey:ServerKey"),
 * computed here so that the clear password is never sent to the server (nor to its logs). Only
 * printable ASCII passwords are taken: PostgreSQL normalises others (SASLprep) before hashing.
 */
function scramVerifier(password: string, salt: Uint8Array = randomBytes(16)): string {
  if (!/^[\x21-\x7e]+$/.test(password)) {
    throw new ProvisionError(
      "role passwords must be printable ASCII without spaces (PostgreSQL would normalise others)",
    );
  }
  const iterations = 4096;
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}

/** Lets `role` log in with `password` (sent as its SCRAM verifier, through a bound parameter). */
export async function setLoginPassword(sql: Sql, role: string, password: string): Promise<void> {
  // ALTER ROLE takes no parameters: a function of this session quotes the name and the verifier.
  await sql`
    create or replace function pg_temp.set_login_password(role_name text, verifier text)
    returns void language plpgsql as $$
    begin
      execute format('alter role %I with login password %L', role_name, verifier);
    end $$`;
  await sql`select pg_temp.set_login_password(${role}, ${scramVerifier(password)})`;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
