/** PostgreSQL for the project: DATABASE_URL when it answers, else a local cluster from Debian's binaries. */
import type { DatabaseLogin } from "../infra/config.ts";
import {
  connectLogin,
  databaseError,
  DatabaseUnavailableError,
  ensureDatabase,
  type Sql,
} from "../infra/db.ts";
import { migrate } from "../infra/migrate.ts";
import { isLocalHost, LOCAL_DIR, ProvisionError, run } from "../infra/process.ts";
import { sleep } from "../core/async.ts";

/** Where the local cluster on `port` keeps its data, log and socket (one folder per port). */
export function clusterDir(port: number) {
  const dir = `${LOCAL_DIR}postgres-${port}/`;
  return { dir, data: `${dir}data`, log: `${dir}postgres.log` };
}

/**
 * Creates a new cluster's data folder with initdb (the binaries in `bin`), then configures it.
 * The default trusts every local connection; lib/provision/postgres_security.ts makes a secured one.
 */
export type ClusterInit = (bin: string, data: string) => Promise<void>;

/**
 * Makes sure the owner login's server answers (starting a local cluster made by `init` if needed),
 * the database exists and is migrated.
 */
export async function postgresUp(
  owner: DatabaseLogin,
  say: (line: string) => void,
  init: ClusterInit = trustInit,
): Promise<void> {
  try {
    await ensureDatabase(owner);
  } catch (error) {
    if (!(error instanceof DatabaseUnavailableError)) throw error;
    const u = new URL(owner.url);
    if (!isLocalHost(u.hostname)) {
      throw new ProvisionError(`${error.message}; it is not on this machine, so none is started`);
    }
    await startLocalCluster(Number(u.port || 5432), say, init);
    await ensureDatabase(owner);
  }
  const sql = connectLogin(owner, { max: 1 });
  try {
    const applied = await migrate(sql);
    const u = new URL(owner.url);
    say(
      `PostgreSQL answers at ${u.host}; database ${u.pathname.slice(1)} ready` +
        (applied.length ? ` (applied ${applied.join(", ")})` : ""),
    );
  } catch (error) {
    throw databaseError(error, owner);
  } finally {
    await sql.end();
  }
}

/** Stops the local cluster this project started, if it runs. */
export async function postgresDown(url: string, say: (line: string) => void): Promise<void> {
  const { data } = clusterDir(Number(new URL(url).port || 5432));
  const running = await Deno.stat(`${data}/postmaster.pid`).then(() => true, () => false);
  if (!running) {
    say("PostgreSQL: no local cluster of this project is running");
    return;
  }
  const bin = await findBinaries();
  const out = await asPostgres(`${bin}/pg_ctl`, ["-D", data, "-m", "fast", "-w", "stop"]);
  say(out.code === 0 ? "PostgreSQL (local cluster) stopped" : `pg_ctl stop failed: ${out.stderr}`);
}

/** Restarts the PostgreSQL server behind `sql` (fast mode: open sessions are cut), for fault tests. */
export async function restartPostgres(sql: Sql): Promise<void> {
  const [{ data_directory: dir }] = await sql`show data_directory` as unknown as [
    { data_directory: string },
  ];
  const debian = /^\/var\/lib\/postgresql\/([^/]+)\/([^/]+)$/.exec(dir);
  const out = debian
    // A Debian cluster: its own wrapper keeps the cluster's log file and settings.
    ? await run("pg_ctlcluster", [
      "--skip-systemctl-redirect",
      debian[1]!,
      debian[2]!,
      "restart",
      "-m",
      "fast",
    ])
    : await asPostgres(`${await findBinaries()}/pg_ctl`, [
      "-D",
      dir,
      "-l",
      `${dir}/../postgres.log`,
      "-m",
      "fast",
      "-w",
      "restart",
    ]);
  if (out.code !== 0) throw new Error(`restarting PostgreSQL failed: ${out.stderr}${out.stdout}`);
}

/** The newest installed PostgreSQL's binaries folder, or "" when there is none. */
export async function findBinaries(): Promise<string> {
  const versions: number[] = [];
  try {
    for await (const e of Deno.readDir("/usr/lib/postgresql")) {
      if (Number(e.name)) versions.push(Number(e.name));
    }
  } catch {
    return "";
  }
  const newest = versions.sort((a, b) => b - a)[0];
  return newest ? `/usr/lib/postgresql/${newest}/bin` : "";
}

async function startLocalCluster(port: number, say: (line: string) => void, init: ClusterInit) {
  let bin = await findBinaries();
  if (!bin) {
    if (Deno.uid() !== 0) {
      throw new ProvisionError(
        "PostgreSQL does not answer and its binaries are missing; install them (sudo apt-get install postgresql) or set DATABASE_URL",
      );
    }
    say("Installing PostgreSQL from Debian's packages ...");
    const out = await run("apt-get", ["install", "-y", "--no-install-recommends", "postgresql"], {
      env: { DEBIAN_FRONTEND: "noninteractive" },
    });
    if (out.code !== 0) {
      throw new ProvisionError(`apt-get install postgresql failed:\n${out.stderr.slice(-1500)}`);
    }
    bin = await findBinaries();
  }
  const { data } = await ensureClusterDir(port);
  const initialised = await Deno.stat(`${data}/PG_VERSION`).then(() => true, () => false);
  if (!initialised) await init(bin, data);
  say(`Starting a local PostgreSQL on port ${port} (data ${data}) ...`);
  await startServer(bin, port);
}

/** Makes the folder of the cluster on `port`, owned by the postgres user when we are root. */
export async function ensureClusterDir(port: number) {
  const paths = clusterDir(port);
  await Deno.mkdir(paths.dir, { recursive: true });
  if (Deno.uid() === 0) await run("chown", ["-R", "postgres:postgres", paths.dir]);
  return paths;
}

/** Starts the server of the cluster on `port` (its folder made by ensureClusterDir) and waits for it. */
export async function startServer(bin: string, port: number): Promise<void> {
  const { dir, data, log } = clusterDir(port);
  const out = await asPostgres(`${bin}/pg_ctl`, [
    "-D",
    data,
    "-l",
    log,
    "-w",
    "-o",
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`,
    "start",
  ]);
  if (out.code !== 0) throw new ProvisionError(`pg_ctl start failed:\n${out.stdout}${out.stderr}`);
  await sleep(200);
}

/** A cluster that trusts every local connection: `deno task up` without --secure. */
async function trustInit(bin: string, data: string): Promise<void> {
  const out = await asPostgres(`${bin}/initdb`, [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
  ]);
  if (out.code !== 0) throw new ProvisionError(`initdb failed:\n${out.stderr}`);
}

/** Runs a PostgreSQL server binary as the postgres user when we are root (the server refuses root). */
export function asPostgres(cmd: string, args: string[]) {
  return Deno.uid() === 0 ? run("runuser", ["-u", "postgres", "--", cmd, ...args]) : run(cmd, args);
}
