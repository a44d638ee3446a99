/** Applies the numbered migrations in sql/ once each, recording them in schema_migrations. */
import type { DatabaseLogin, DatabaseLogins } from "./config.ts";
import {
  connectLogin,
  databaseError,
  databaseName,
  DatabaseRefusedError,
  DatabaseUnavailableError,
  ensureDatabase,
  maintenanceUrl,
  type Sql,
} from "./db.ts";

const SQL_DIR = new URL("../../sql/", import.meta.url);

/** A migration file: its number, name and text. */
export interface Migration {
  id: number;
  name: string;
  text: string;
}

/** Reads sql/NNNN_name.sql files in order. */
async function readMigrations(dir: URL = SQL_DIR): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const match = /^(\d{4})_.+\.sql$/.exec(entry.name);
    if (!entry.isFile || !match) continue;
    migrations.push({
      id: Number(match[1]),
      name: entry.name,
      text: await Deno.readTextFile(new URL(entry.name, dir)),
    });
  }
  return migrations.sort((a, b) => a.id - b.id);
}

/** sql/'s migrations, read once per process (they are this code's own), for lacking(). */
let ownMigrations: Promise<Migration[]> | undefined;

/** The names of the migrations of sql/ whose numbers are not in `applied`, in order. */
async function lacking(applied: Set<number>): Promise<string[]> {
  ownMigrations ??= readMigrations().catch((error) => {
    ownMigrations = undefined; // read again next time
    throw error;
  });
  return (await ownMigrations).filter((m) => !applied.has(m.id)).map((m) => m.name);
}

/**
 * The advisory lock (in the target database) held while migrations run: one migrator at a time,
 * and a service's check for pending migrations waits until none is half applied.
 */
const MIGRATION_LOCK = 7347001;

/**
 * Applies every pending migration, each in its own transaction, all under the migration lock on
 * one session of `sql`, so processes started at the same moment apply each migration once;
 * returns the names applied.
 */
export async function migrate(sql: Sql, dir: URL = SQL_DIR): Promise<string[]> {
  const session = await sql.reserve();
  try {
    await session`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      return await applyPending(session, dir);
    } finally {
      await session`select pg_advisory_unlock(${MIGRATION_LOCK})`.catch(() => {});
    }
  } finally {
    session.release();
  }
}

/**
 * The database records a migration under another name than sql/ holds for its number: it was
 * migrated by another version of the project, so applying the rest could fail half-way or skip
 * a change (a migration's number is never reused for other content).
 */
class MigrationMismatchError extends Error {
  override name = "MigrationMismatchError";
  constructor(id: number, recorded: string, expected: string) {
    super(
      `the database records migration ${id} as ${recorded}, but sql/ holds ${expected}: it was ` +
        "migrated by another version of the project; use a fresh database (DATABASE_URL) or " +
        "run the version that migrated it",
    );
  }
}

/** Creates schema_migrations when missing and applies the migrations it lacks, in order. */
async function applyPending(session: Sql, dir: URL): Promise<string[]> {
  await session`create table if not exists schema_migrations (
    id integer primary key, name text not null, applied_at timestamptz not null default now())`;
  const rows = await session`select id, name from schema_migrations`;
  const done = new Map(rows.map((r) => [r.id as number, r.name as string]));
  const applied: string[] = [];
  for (const migration of await readMigrations(dir)) {
    const recorded = done.get(migration.id);
    if (recorded !== undefined && recorded !== migration.name) {
      throw new MigrationMismatchError(migration.id, recorded, migration.name);
    }
    if (recorded !== undefined) continue;
    await session`begin`;
    try {
      await session.file(new URL(migration.name, dir).pathname);
      await session`insert into schema_migrations (id, name)
        values (${migration.id}, ${migration.name})`;
      await session`commit`;
    } catch (error) {
      await session`rollback`.catch(() => {});
      throw error;
    }
    applied.push(migration.name);
  }
  return applied;
}

/** Creates the database when missing, connects as the owner and applies pending migrations. */
export async function connectMigrated(owner: DatabaseLogin, max = 1): Promise<Sql> {
  await ensureDatabase(owner);
  const sql = connectLogin(owner, { max });
  try {
    await migrate(sql);
  } catch (error) {
    await sql.end();
    if (error instanceof MigrationMismatchError) {
      const where = `${new URL(owner.url).host}/${databaseName(owner.url)}`;
      throw new DatabaseRefusedError(`PostgreSQL at ${where}: ${error.message}`, { cause: error });
    }
    throw databaseError(error, owner);
  }
  return sql;
}

/** Error codes that mean "the database or its schema is not there yet" for a role's login. */
const NOT_SET_UP = new Set(["3D000", "42P01"]);

/** How often a service on a read replica looks again for the migrations it waits for. */
const REPLICA_RECHECK_MS = 2_000;

/**
 * Connects a service as its own least-privileged role (the consumer as sales_writer, the
 * dashboard as sales_reader), directly: never the owner switched with SET ROLE, which a session
 * could undo. Only when the database is missing or has pending migrations does it migrate first,
 * as the owner (DATABASE_URL); a service of a provisioned database never holds the owner's login.
 * On a read replica (a server in recovery) nothing is ever created or migrated: the dashboard
 * says once what the replica lacks (`say`) and waits until it arrives from the primary; the
 * consumer, which writes, is refused on a replica. Errors are one sentence naming the setting to fix.
 */
export async function connectService<W extends "consumer" | "dashboard">(
  logins: Pick<DatabaseLogins, "owner" | W>,
  who: W,
  options: Parameters<typeof connectLogin>[1] = {},
  say: (line: string) => void = () => {},
): Promise<Sql> {
  const login = logins[who];
  let missing = await pendingMigrations(login);
  if ((missing.length > 0 || who === "consumer") && await inRecovery(login)) {
    const where = new URL(login.url).host;
    if (who === "consumer") {
      throw new DatabaseRefusedError(
        `PostgreSQL at ${where} is a read replica and the consumer writes: ` +
          `point ${login.urlSetting} at the primary`,
      );
    }
    say(
      `The read replica at ${where} lacks ${describeMissing(missing)}; waiting for it to arrive ` +
        "from the primary (a replica is never migrated: run `deno task up` against the primary)",
    );
    while (missing.length > 0) {
      await new Promise((resolve) => setTimeout(resolve, REPLICA_RECHECK_MS));
      missing = await pendingMigrations(login);
    }
    say(`The read replica at ${where} has every migration now`);
  }
  if (missing.length > 0) {
    try {
      await (await connectMigrated(logins.owner)).end();
    } catch (error) {
      const Kind = error instanceof DatabaseUnavailableError
        ? DatabaseUnavailableError
        : DatabaseRefusedError;
      throw new Kind(
        `the database needs its migrations, applied as its owner: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return connectLogin(login, options);
}

/** What a database lacks, for a sentence: its database, or the migrations by name. */
function describeMissing(missing: string[]): string {
  if (missing[0] === NO_DATABASE) return "the database itself";
  return missing.length > 3
    ? `${missing.length} migrations (${missing[0]} to ${missing.at(-1)})`
    : `migration${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`;
}

/** Stands for "the database is not there" in pendingMigrations()'s answer. */
const NO_DATABASE = "(no database)";

/**
 * The migrations of sql/ the login's database lacks, by name (all of them when it has no schema
 * yet; NO_DATABASE first when the database is missing); throws other errors.
 */
async function pendingMigrations(login: DatabaseLogin): Promise<string[]> {
  const sql = connectLogin(login, { max: 1 });
  try {
    // Waits while another process migrates, so a half-migrated schema is never judged.
    const rows = await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock_shared(${MIGRATION_LOCK})`;
      return await tx`select id from schema_migrations`;
    });
    return await lacking(new Set(rows.map((r) => r.id as number)));
  } catch (error) {
    const { code = "", message = "" } = error as { code?: string; message?: string };
    if (NOT_SET_UP.has(code) || code === "28000" && /role .* does not exist/.test(message)) {
      // a new database, or a new server whose roles the migrations create
      const all = await lacking(new Set());
      return code === "3D000" ? [NO_DATABASE, ...all] : all;
    }
    throw databaseError(error, login);
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/**
 * True when the login's server is a read replica (in recovery), asked in its maintenance
 * database (the login's own may not exist yet); false when it cannot tell (its role is missing,
 * which a replica of a migrated primary never lacks).
 */
async function inRecovery(login: DatabaseLogin): Promise<boolean> {
  const sql = connectLogin({ ...login, url: maintenanceUrl(login.url) }, { max: 1 });
  try {
    const [row] = await sql`select pg_is_in_recovery() as standby`;
    return row!.standby === true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/**
 * Why `sql`'s database is not ready for a service, asked over the service's own session (its
 * readiness): PostgreSQL does not answer, or the database lacks migrations of sql/ (by name);
 * undefined when it has them all.
 */
export async function databaseUnready(sql: Sql): Promise<string | undefined> {
  let applied: Set<number>;
  try {
    applied = new Set((await sql`select id from schema_migrations`).map((r) => r.id as number));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== "42P01") return `PostgreSQL does not answer (${code ?? (error as Error).name})`;
    applied = new Set();
  }
  const missing = await lacking(applied);
  return missing.length > 0 ? `PostgreSQL lacks migration ${missing.join(", ")}` : undefined;
}
