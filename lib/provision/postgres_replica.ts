/**
 * A streaming read replica of the local cluster `deno task up` started (`deno task up --replica`):
 * a base backup of it (pg_basebackup -R, Debian's binaries) in .local/postgres-<port>/ on a port
 * of its own, streaming through a replication slot. A secured primary's authentication and TLS
 * (pg_hba.conf, secure.conf) come with the copy, so the replica asks the same passwords over TLS.
 * A server this project did not start is never reconfigured.
 */
import type { DatabaseLogin } from "../infra/config.ts";
import { connectLogin, databaseError, type Sql } from "../infra/db.ts";
import { alive, isLocalHost, LOCAL_DIR, ProvisionError, run } from "../infra/process.ts";
import { readSecretFile } from "../infra/settings.ts";
import { sleep } from "../core/async.ts";
import {
  asPostgres,
  clusterDir,
  ensureClusterDir,
  findBinaries,
  startServer,
} from "./postgres_cluster.ts";
import { ensurePasswordFile, setLoginPassword } from "./postgres_security.ts";
import { LOCAL_CA_FILE, serverCertificate } from "./tls.ts";

/** The file in a replica's folder that names the primary it follows. */
const NOTE_FILE = "replica.json";

/** What a replica's folder notes about it. */
interface ReplicaNote {
  primaryPort: number;
  slot: string;
}

/** The role a secured primary's replicas log in as: REPLICATION and its own SCRAM password, nothing else. */
const REPLICATOR = "sales_replicator";

/** The port of a postgres:// URL. */
function portOf(url: string): number {
  return Number(new URL(url).port || 5432);
}

/** The replication slot on the primary of the replica on `port`. */
function slotOf(port: number): string {
  return `sales_replica_${port}`;
}

/** `url` on another port, logged in as `user` (no password). */
function withPort(url: string, port: number, user?: string): string {
  const u = new URL(url);
  u.port = String(port);
  if (user !== undefined) {
    u.username = user;
    u.password = "";
  }
  return u.toString();
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** True when something accepts TCP connections on host:port within a second. */
async function portAnswers(hostname: string, port: number): Promise<boolean> {
  const attempt = Deno.connect({ hostname, port }).then((conn) => {
    conn.close();
    return true;
  }, () => false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), 1000));
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The port of the live server of the cluster folder on `port` (postmaster.pid), or null. */
async function runningPort(port: number): Promise<number | null> {
  const text = await Deno.readTextFile(`${clusterDir(port).data}/postmaster.pid`).catch(() => "");
  const [pid, , , listening] = text.split("\n");
  return pid && alive(Number(pid)) ? Number(listening) : null;
}

/** The note of the replica folder on `port`, or null when the folder holds none. */
async function readNote(port: number): Promise<ReplicaNote | null> {
  try {
    return JSON.parse(await Deno.readTextFile(`${clusterDir(port).dir}${NOTE_FILE}`));
  } catch {
    return null;
  }
}

/** The primary's `host:port`, as the messages name it. */
function hostOf(url: string): string {
  return new URL(url).host;
}

/**
 * Refuses, before anything is started or changed, a primary that is not on this machine or that
 * answers without being the cluster `deno task up` runs in .local/ (a server of its own, such as
 * the machine's shared one): a replica needs the primary reconfigured for replication.
 */
export async function refuseForeignPrimary(owner: DatabaseLogin): Promise<void> {
  const u = new URL(owner.url);
  const port = portOf(owner.url);
  if (!isLocalHost(u.hostname)) {
    throw new ProvisionError(
      `--replica copies the PostgreSQL that \`deno task up\` runs on this machine; ` +
        `DATABASE_URL names ${u.host}, so none is started`,
    );
  }
  if (await runningPort(port) === port) return;
  if (await portAnswers(u.hostname.replace(/^\[|\]$/g, ""), port)) {
    throw foreignPrimary(owner.url);
  }
}

/** The refusal of a primary that `deno task up` did not start. */
function foreignPrimary(url: string): ProvisionError {
  const port = portOf(url);
  return new ProvisionError(
    `PostgreSQL at ${hostOf(url)} is not the cluster \`deno task up\` started ` +
      `(.local/postgres-${port}/ runs none), so --replica will not reconfigure it; point ` +
      "DATABASE_URL at a port where nothing answers and `deno task up --replica` starts both",
  );
}

/**
 * Makes sure the replica on `port` of the primary that `owner` logs in to runs and streams: made
 * with pg_basebackup when its folder is new, started when stopped, left alone when it runs.
 * Returns the replica's URL for the dashboard's login `readerUser`.
 */
export async function postgresReplicaUp(
  owner: DatabaseLogin,
  port: number,
  readerUser: string,
  say: (line: string) => void,
): Promise<string> {
  const primaryPort = portOf(owner.url);
  const primary = connectLogin(owner, { max: 1 });
  try {
    await refuseUnlessOwnCluster(primary, owner);
    const { dir, data } = clusterDir(port);
    const note = await readNote(port);
    const made = await exists(`${data}/PG_VERSION`);
    if (made && note?.primaryPort !== primaryPort) {
      throw new ProvisionError(
        `${dir} holds a PostgreSQL cluster that is not a replica of port ${primaryPort}: choose ` +
          "another --replica-port (REPLICA_PORT), or stop it and delete the folder",
      );
    }
    const where = `${new URL(owner.url).hostname}:${port}`;
    const running = await runningPort(port) === port;
    if (!running) {
      if (await portAnswers("127.0.0.1", port)) {
        throw new ProvisionError(
          `port ${port} is taken by another server: choose another with --replica-port ` +
            "(REPLICA_PORT)",
        );
      }
      const bin = await findBinaries();
      if (!bin) {
        throw new ProvisionError("PostgreSQL's binaries are missing (apt-get install postgresql)");
      }
      if (!made) await baseBackup(bin, primary, owner, port, say);
      say(`Starting the read replica on port ${port} (data ${data}) ...`);
      await startServer(bin, port);
    }
    await checkStreaming(owner, port);
    say(
      `PostgreSQL read replica of ${hostOf(owner.url)} ${running ? "already runs" : "streams"} ` +
        `at ${where}; its URL:`,
    );
    return withPort(owner.url, port, readerUser);
  } catch (error) {
    throw databaseError(error, owner);
  } finally {
    await primary.end();
  }
}

/** Refuses unless the server `sql` reaches runs from the cluster folder of its port in .local/. */
async function refuseUnlessOwnCluster(sql: Sql, owner: DatabaseLogin): Promise<void> {
  const [row] = await sql`show data_directory`;
  const ours = await Deno.realPath(clusterDir(portOf(owner.url)).data).catch(() => "");
  const theirs = await Deno.realPath(row!.data_directory as string).catch(() => "?");
  if (ours !== theirs) throw foreignPrimary(owner.url);
}

/**
 * Copies the primary into the replica's new folder with pg_basebackup -R (which writes the
 * primary_conninfo and standby.signal), through a slot of its own; a secured primary first gets
 * the replication role and its pg_hba.conf lines, and the copy gets its own certificate files.
 */
async function baseBackup(
  bin: string,
  primary: Sql,
  owner: DatabaseLogin,
  port: number,
  say: (line: string) => void,
): Promise<void> {
  const primaryPort = portOf(owner.url);
  const primaryData = clusterDir(primaryPort).data;
  const secured = await exists(`${primaryData}/secure.conf`);
  const slot = slotOf(port);
  const { dir, data } = await ensureClusterDir(port);
  say(`Copying the primary at ${hostOf(owner.url)} into ${data} (pg_basebackup) ...`);
  const conninfo = [
    `host=${new URL(owner.url).hostname}`,
    `port=${primaryPort}`,
    `application_name=${slot}`,
    "connect_timeout=5", // a WAL receiver waits no longer on a primary that does not answer
  ];
  if (secured) {
    const passfile = await allowReplication(primary, primaryData, primaryPort, dir);
    conninfo.push(
      `user=${REPLICATOR}`,
      `passfile=${passfile}`,
      "sslmode=verify-full",
      `sslrootcert=${LOCAL_CA_FILE}`,
    );
  } else {
    conninfo.push("user=postgres");
  }
  await keepWalForSlots(primary);
  const [used] = await primary`select active from pg_replication_slots where slot_name = ${slot}`;
  if (used?.active) {
    throw new ProvisionError(
      `the primary's replication slot ${slot} is in use by a replica whose folder is gone: ` +
        `stop it, or choose another --replica-port (REPLICA_PORT)`,
    );
  }
  // A slot left by a replica whose folder was deleted: it only holds WAL back.
  if (used) await primary`select pg_drop_replication_slot(${slot})`;
  const out = await asPostgres(`${bin}/pg_basebackup`, [
    "-D",
    data,
    "-R",
    "-X",
    "stream",
    "-c",
    "fast",
    "-C",
    "-S",
    slot,
    "-d",
    conninfo.join(" "),
  ]);
  if (out.code !== 0) {
    await Deno.remove(data, { recursive: true }).catch(() => {});
    const reason = out.stderr.trim().split("\n").filter((l) => !/removing/.test(l)).at(-1);
    throw new ProvisionError(`pg_basebackup from ${hostOf(owner.url)} failed: ${reason}`);
  }
  if (secured) await ownCertificate(dir, data);
  await Deno.writeTextFile(
    `${data}/replica.conf`,
    [
      `# deno task up --replica: a hot standby of the cluster on port ${primaryPort}`,
      "hot_standby = on",
      "# the primary keeps the rows the dashboard's open reads need, so no read is cancelled",
      "hot_standby_feedback = on",
    ].join("\n") + "\n",
  );
  await Deno.writeTextFile(`${data}/postgresql.conf`, "include = 'replica.conf'\n", {
    append: true,
  });
  const note: ReplicaNote = { primaryPort, slot };
  await Deno.writeTextFile(`${dir}${NOTE_FILE}`, JSON.stringify(note) + "\n");
  await chownPostgres([`${data}/replica.conf`]);
}

/**
 * A secured primary: the replication role with its SCRAM password (generated into
 * .local/secrets/), its pg_hba.conf lines (TLS, SCRAM), reloaded; returns the password file the
 * replica's postgres user reads (mode 0600 in the replica's folder).
 */
async function allowReplication(
  primary: Sql,
  primaryData: string,
  primaryPort: number,
  dir: string,
): Promise<string> {
  const [role] = await primary`select 1 as found from pg_roles where rolname = ${REPLICATOR}`;
  if (!role) await primary`create role sales_replicator with replication login`;
  const passwordFile = await ensurePasswordFile(primaryPort, REPLICATOR);
  const password = readSecretFile("the replication password", passwordFile);
  await setLoginPassword(primary, REPLICATOR, password);
  // First in the file, since the first line that matches decides: the role may stream WAL over
  // TLS with its password and connect to no database ("all" does not match replication).
  const hba = `${primaryData}/pg_hba.conf`;
  const lines = [
    `# deno task up --replica: its replicas stream as ${REPLICATOR}, which may do nothing else`,
    `host      all         ${REPLICATOR} all           reject`,
    `hostssl   replication ${REPLICATOR} 127.0.0.1/32  scram-sha-256`,
    `hostssl   replication ${REPLICATOR} ::1/128       scram-sha-256`,
  ];
  const text = await Deno.readTextFile(hba);
  if (!text.includes(lines[2]!)) {
    await Deno.writeTextFile(hba, `${lines.join("\n")}\n${text}`);
    await primary`select pg_reload_conf()`;
  }
  const passfile = `${dir}primary.pgpass`;
  await Deno.writeTextFile(passfile, `*:${primaryPort}:replication:${REPLICATOR}:${password}\n`, {
    mode: 0o600,
  });
  await Deno.chmod(passfile, 0o600);
  await chownPostgres([passfile]);
  return passfile;
}

/**
 * Bounds the WAL a slot may hold back on the primary (max_slot_wal_keep_size 1GB, when unbounded):
 * a replica stopped for long must then be made again, instead of filling the primary's disk.
 */
async function keepWalForSlots(primary: Sql): Promise<void> {
  const [row] = await primary`show max_slot_wal_keep_size`;
  if (row!.max_slot_wal_keep_size !== "-1") return;
  await primary`alter system set max_slot_wal_keep_size = '1GB'`;
  await primary`select pg_reload_conf()`;
}

/** The replica's own copy of the server certificate, and its secure.conf pointing at it. */
async function ownCertificate(dir: string, data: string): Promise<void> {
  const { cert, key } = await serverCertificate("postgres");
  await Deno.copyFile(cert, `${dir}server.crt`);
  await Deno.copyFile(key, `${dir}server.key`);
  await Deno.chmod(`${dir}server.key`, 0o600);
  const conf = (await Deno.readTextFile(`${data}/secure.conf`))
    .replace(/^ssl_cert_file = .*$/m, `ssl_cert_file = '${dir}server.crt'`)
    .replace(/^ssl_key_file = .*$/m, `ssl_key_file = '${dir}server.key'`);
  await Deno.writeTextFile(`${data}/secure.conf`, conf);
  await chownPostgres([`${dir}server.crt`, `${dir}server.key`, `${data}/secure.conf`]);
}

/** Gives files to the postgres user when we are root (the server runs as it). */
async function chownPostgres(files: string[]): Promise<void> {
  if (Deno.uid() !== 0) return;
  const out = await run("chown", ["postgres:postgres", ...files]);
  if (out.code !== 0) throw new ProvisionError(`chown failed: ${out.stderr}`);
}

/** Waits (up to 30 s) until the replica answers as a hot standby with the primary's database. */
async function checkStreaming(owner: DatabaseLogin, port: number): Promise<void> {
  const replica = connectLogin({ ...owner, url: withPort(owner.url, port) }, { max: 1 });
  try {
    const end = Date.now() + 30_000;
    for (;;) {
      try {
        const [row] = await replica`select pg_is_in_recovery() as standby`;
        if (!row!.standby) {
          throw new ProvisionError(
            `the server on port ${port} is not in recovery: it is no replica; stop it and ` +
              `delete ${clusterDir(port).dir}`,
          );
        }
        return;
      } catch (error) {
        if (error instanceof ProvisionError) throw error;
        if (Date.now() > end) {
          throw new ProvisionError(
            `the read replica on port ${port} does not answer ` +
              `(${(error as Error).message.split("\n")[0]}); see ${clusterDir(port).log}`,
          );
        }
        await sleep(500);
      }
    }
  } finally {
    await replica.end();
  }
}

/** Stops the replicas `deno task up --replica` made of the local cluster at `url`. */
export async function replicasDown(url: string, say: (line: string) => void): Promise<void> {
  const primaryPort = portOf(url);
  const ports: number[] = [];
  try {
    for await (const entry of Deno.readDir(LOCAL_DIR)) {
      const port = Number(/^postgres-(\d+)$/.exec(entry.name)?.[1]);
      if (port && (await readNote(port))?.primaryPort === primaryPort) ports.push(port);
    }
  } catch {
    return; // no .local/ yet
  }
  for (const port of ports.sort((a, b) => a - b)) {
    const { data } = clusterDir(port);
    if (!await exists(`${data}/postmaster.pid`)) continue;
    const bin = await findBinaries();
    const out = await asPostgres(`${bin}/pg_ctl`, ["-D", data, "-m", "fast", "-w", "stop"]);
    say(
      out.code === 0
        ? `PostgreSQL read replica on port ${port} stopped`
        : `pg_ctl stop of the read replica on port ${port} failed: ${out.stderr}`,
    );
  }
}
