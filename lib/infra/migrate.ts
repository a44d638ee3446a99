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

/** Applies every pending migration, each in its own transaction; returns the names applied. */
export async function migrate(sql: Sql, dir: URL = SQL_DIR): Promise<string[]> {
  const applied: string[] = [];
  await sql`create table if not exists schema_migrations (
    id integer primary key, name text not null, applied_at timestamptz not null default now())`;
  for (const migration of await readMigrations(dir)) {
    await sql.begin(async (tx) => {
      // One migrator at a time: concurrent entrypoints wait here instead of racing.
      await tx`select pg_advisory_xact_lock(7347001)`;
      const [done] = await tx`select 1 from schema_migrations where id = ${migration.id}`;
      if (done) return;
      await tx.file(new URL(migration.name, dir).pathname);
      await tx`insert into schema_migrations (id, name) values (${migration.id}, ${migration.name})`;
      applied.push(migration.name);
    });
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
export async function connectService(
  logins: DatabaseLogins,
  who: "consumer" | "dashboard",
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
    const rows = await sql`select id from schema_migrations`;
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
