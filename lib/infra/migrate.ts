/** Applies the numbered migrations in sql/ once each, recording them in schema_migrations. */
import { connect, ensureDatabase, type Sql } from "./db.ts";

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

/** Creates the database when missing, connects as the URL's (owning) user and applies pending migrations. */
export async function connectMigrated(url: string, max = 1): Promise<Sql> {
  await ensureDatabase(url);
  const sql = connect(url, { max });
  try {
    await migrate(sql);
  } catch (error) {
    await sql.end();
    throw error;
  }
  return sql;
}
