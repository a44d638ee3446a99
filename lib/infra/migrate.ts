/** Applies the numbered migrations in sql/ once each, recording them in schema_migrations. */
import type { DatabaseLogin, DatabaseLogins } from "./config.ts";
import {
  connectLogin,
  databaseError,
  DatabaseRefusedError,
  DatabaseUnavailableError,
  ensureDatabase,
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

/** Creates schema_migrations when missing and applies the migrations it lacks, in order. */
async function applyPending(session: Sql, dir: URL): Promise<string[]> {
  await session`create table if not exists schema_migrations (
    id integer primary key, name text not null, applied_at timestamptz not null default now())`;
  const rows = await session`select id from schema_migrations`;
  const done = new Set(rows.map((r) => r.id as number));
  const applied: string[] = [];
  for (const migration of await readMigrations(dir)) {
    if (done.has(migration.id)) continue;
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
    throw databaseError(error, owner);
  }
  return sql;
}

/** Error codes that mean "the database or its schema is not there yet" for a role's login. */
const NOT_SET_UP = new Set(["3D000", "42P01"]);

/**
 * Connects a service as its own least-privileged role (the consumer as sales_writer, the
 * dashboard as sales_reader), directly: never the owner switched with SET ROLE, which a session
 * could undo. Only when the database is missing or has pending migrations does it migrate first,
 * as the owner (DATABASE_URL); a service of a provisioned database never holds the owner's login.
 * Errors are one sentence naming the setting to fix.
 */
export async function connectService<W extends "consumer" | "dashboard">(
  logins: Pick<DatabaseLogins, "owner" | W>,
  who: W,
  options: Parameters<typeof connectLogin>[1] = {},
): Promise<Sql> {
  const login = logins[who];
  if (await pendingMigrations(login)) {
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

/** True when the login's database is missing or lacks a migration of sql/; throws other errors. */
async function pendingMigrations(login: DatabaseLogin): Promise<boolean> {
  const sql = connectLogin(login, { max: 1 });
  try {
    // Waits while another process migrates, so a half-migrated schema is never judged.
    const rows = await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock_shared(${MIGRATION_LOCK})`;
      return await tx`select id from schema_migrations`;
    });
    const applied = new Set(rows.map((r) => r.id as number));
    return (await readMigrations()).some((m) => !applied.has(m.id));
  } catch (error) {
    const { code = "", message = "" } = error as { code?: string; message?: string };
    if (NOT_SET_UP.has(code) || code === "28000" && /role .* does not exist/.test(message)) {
      return true; // a new database, or a new server whose roles the migrations create
    }
    throw databaseError(error, login);
  } finally {
    await sql.end({ timeout: 1 });
  }
}
