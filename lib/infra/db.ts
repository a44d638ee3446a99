/** The PostgreSQL connection: one `sql` instance per process, created on demand. */
import postgres from "postgres";

/** A postgres.js client. */
export type Sql = postgres.Sql;

/** Thrown when PostgreSQL cannot be reached or the database cannot be created. */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}

/** Opens a client; numeric and bigint values come back as strings so no cent is lost. */
export function connect(url: string, options: postgres.Options<Record<string, never>> = {}): Sql {
  return postgres(url, {
    max: 4,
    onnotice: () => {},
    connect_timeout: 10,
    ...options,
  });
}

/** The database name in a postgres:// URL. */
function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  return name || "postgres";
}

/** The same server's maintenance database URL (used to create the target database). */
export function maintenanceUrl(url: string): string {
  const u = new URL(url);
  u.pathname = "/postgres";
  return u.toString();
}

/** Creates the URL's database when it does not exist yet; fails with a clear message when the server is down. */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const admin = connect(maintenanceUrl(url), { max: 1 });
  try {
    const [row] = await admin`select 1 as found from pg_database where datname = ${name}`;
    if (!row) {
      await admin`create database ${admin(name)}`.catch((error) => {
        if (error?.code !== "42P04") throw error; // created meanwhile by another process
      });
    }
  } catch (error) {
    const host = new URL(url).host;
    throw new DatabaseUnavailableError(
      `Cannot reach PostgreSQL at ${host} (${(error as Error).message}); ` +
        "start it with `deno task up` or set DATABASE_URL",
      { cause: error },
    );
  } finally {
    await admin.end();
  }
}

/** The roles the migrations create: the dashboard reads, the consumer writes its own tables. */
export type AppRole = "sales_reader" | "sales_writer";

/** The same server and database as `url`, logged in as `role` (no password: local trust auth). */
export function roleUrl(url: string, role: AppRole): string {
  const u = new URL(url);
  u.username = role;
  u.password = "";
  return u.toString();
}

/**
 * Connects with the least-privileged role: `explicitUrl` when given, else `url` logged in as
 * `role`; when that login is refused (a server with password auth), `url`'s own user switched to
 * `role` with SET ROLE at connection start.
 */
export async function connectAs(
  url: string,
  role: AppRole,
  explicitUrl?: string,
  options: postgres.Options<Record<string, never>> = {},
): Promise<Sql> {
  if (explicitUrl) return connect(explicitUrl, options);
  const direct = connect(roleUrl(url, role), options);
  try {
    await direct`select 1`;
    return direct;
  } catch (error) {
    await direct.end({ timeout: 1 });
    const code = (error as { code?: string }).code ?? "";
    if (!["28000", "28P01"].includes(code)) throw error;
    return connect(url, { ...options, connection: { ...options.connection, role } });
  }
}
