/** The PostgreSQL connection: clients per login (password file, TLS), and what their errors mean. */
import postgres from "postgres";
import type { DatabaseLogin } from "./config.ts";
import { readSecretFile } from "./settings.ts";

/** A postgres.js client. */
export type Sql = postgres.Sql;

/** Options of a postgres.js client. */
type Options = postgres.Options<Record<string, never>>;

/** Thrown when PostgreSQL cannot be reached at all; the message says what to do. */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
}

/** Thrown when PostgreSQL answers but refuses (password, TLS, privileges); the message names the setting. */
export class DatabaseRefusedError extends Error {
  override name = "DatabaseRefusedError";
}

/** SQLSTATE of a statement PostgreSQL cancelled, as its statement_timeout does. */
const QUERY_CANCELED = "57014";

/** True when PostgreSQL cancelled the statement (its statement_timeout ran out), not when it failed. */
export function isStatementTimeout(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === QUERY_CANCELED;
}

/** Opens a client; numeric and bigint values come back as strings so no cent is lost. */
export function connect(url: string, options: Options = {}): Sql {
  return postgres(url, {
    max: 4,
    onnotice: () => {},
    connect_timeout: 10,
    ...options,
  });
}

/**
 * Opens a client for a login: the password is read from its file at each new connection (so a
 * rotated password is picked up), and with a CA the server's certificate and host name are
 * verified (verify-full).
 */
export function connectLogin(login: DatabaseLogin, options: Options = {}): Sql {
  const { passwordFile, passwordSetting, caFile } = login;
  return connect(login.url, {
    ...(passwordFile ? { pass: () => readSecretFile(passwordSetting, passwordFile) } : {}),
    ...(caFile ? { ssl: { ca: Deno.readTextFileSync(caFile), rejectUnauthorized: true } } : {}),
    ...options,
  });
}

/** The database name in a postgres:// URL. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  return name || "postgres";
}

/** The same server's maintenance database URL (used to create the target database). */
export function maintenanceUrl(url: string): string {
  const u = new URL(url);
  u.pathname = "/postgres";
  return u.toString();
}

/** The advisory lock (in the maintenance database) held while a database is created. */
const CREATE_DATABASE_LOCK = 7347000;

/** SQLSTATEs of CREATE DATABASE racing another: "already exists", or its catalog row's unique key. */
const CREATED_MEANWHILE = new Set(["42P04", "23505"]);

/**
 * Creates the login's database when it does not exist yet; processes started at the same moment
 * take turns (an advisory lock in the maintenance database), and a database another process made
 * meanwhile counts as made. Fails with DatabaseUnavailableError when the server does not answer
 * and DatabaseRefusedError when it refuses the login or the creation.
 */
export async function ensureDatabase(login: DatabaseLogin): Promise<void> {
  const name = databaseName(login.url);
  const admin = connectLogin({ ...login, url: maintenanceUrl(login.url) }, { max: 1 });
  try {
    const exists = async () =>
      (await admin`select 1 as found from pg_database where datname = ${name}`).length > 0;
    if (await exists()) return;
    await admin`select pg_advisory_lock(${CREATE_DATABASE_LOCK})`;
    if (await exists()) return;
    await admin`create database ${admin(name)}`.catch((error) => {
      if (!CREATED_MEANWHILE.has(error?.code)) throw error;
    });
  } catch (error) {
    throw databaseError(error, login, `create database "${name}"`);
  } finally {
    await admin.end(); // ends the session, and its advisory lock with it
  }
}

/** Connection-level error codes: the server was not reached. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ETIMEDOUT",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

/** TLS verification error codes of node:tls. */
const UNTRUSTED = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_GET_ISSUER_CERT",
  "CERT_HAS_EXPIRED",
  "CERT_UNTRUSTED",
]);

/**
 * A PostgreSQL error as one sentence naming the setting to fix (the login's URL, password file or
 * DATABASE_CA_FILE), in an error of the right class; never shows a password. `doing` names the
 * step that failed (e.g. `create database "sales"`). Other errors (not from PostgreSQL or the
 * network) are returned as they are.
 */
export function databaseError(error: unknown, login: DatabaseLogin, doing?: string): Error {
  const e = error as { code?: string; message?: string };
  const code = e?.code ?? "";
  const message = (e?.message ?? String(error)).split("\n")[0]!;
  const u = new URL(login.url);
  const host = u.host;
  const who = `user "${decodeURIComponent(u.username) || "(none)"}" at ${host}`;
  const refused = (text: string) => new DatabaseRefusedError(text, { cause: error });
  if (UNREACHABLE.has(code) || /ECONNREFUSED|connect ETIMEDOUT/.test(message)) {
    return new DatabaseUnavailableError(
      `Cannot reach PostgreSQL at ${host} (${message}); start it with \`deno task up\` or set ${login.urlSetting}`,
      { cause: error },
    );
  }
  if (code === "28P01") {
    const given = login.passwordFile || u.password;
    return refused(
      `PostgreSQL refused the password of ${who}: ` +
        (given
          ? `fix ${login.passwordSetting}`
          : `it needs one; set ${login.passwordSetting} to a file holding it`),
    );
  }
  if (code === "28000") {
    if (/no encryption/.test(message)) {
      return refused(
        `PostgreSQL at ${host} accepts only TLS connections: set DATABASE_CA_FILE to its CA`,
      );
    }
    return refused(`PostgreSQL refused ${who} (${message}); fix ${login.urlSetting}`);
  }
  if (code === "3D000") {
    return refused(
      `PostgreSQL at ${host} has no database "${databaseName(login.url)}": ` +
        `run \`deno task up\` or fix ${login.urlSetting}`,
    );
  }
  const step = doing ? ` could not ${doing}` : "";
  if (code === "42501") {
    return refused(`PostgreSQL ${who}${step}: ${message}; fix ${login.urlSetting} or grant it`);
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return refused(
      `PostgreSQL's TLS certificate does not name ${u.hostname}: ` +
        `use a host name it holds in ${login.urlSetting}`,
    );
  }
  if (UNTRUSTED.has(code)) {
    return refused(
      `PostgreSQL's TLS certificate at ${host} is not trusted (${message}): ` +
        "set DATABASE_CA_FILE to the CA that signed it",
    );
  }
  if (/does not support SSL/i.test(message)) {
    return refused(
      `PostgreSQL at ${host} does not accept TLS connections: unset DATABASE_CA_FILE or turn ssl on`,
    );
  }
  if (/^[0-9A-Z]{5}$/.test(code)) {
    return refused(
      `PostgreSQL ${who}${
        step || " got an error"
      } (${code}: ${message}); check ${login.urlSetting}`,
    );
  }
  return error instanceof Error ? error : new Error(message);
}

/** Renews the clients made by renewingClient() after postgres.js tripped over a closed session. */
const renewers = new Set<() => void>();
let contained = false;

/**
 * Contains postgres.js 3.4.9 tripping over a session PostgreSQL closed inside a transaction.
 *
 * postgres.js rejects the transaction at once when the server closes a reserved session
 * (`idle_in_transaction_session_timeout` after a pause, a crash or restart of the server,
 * `pg_terminate_backend`), but its `begin()` then still sends ROLLBACK on that session; the write,
 * scheduled with setImmediate, throws "Cannot read properties of null (reading 'write')" outside
 * any promise, and that connection keeps the unsent ROLLBACK and a query that never completes, so
 * later answers on it would go to the wrong query. The server has rolled the transaction back, so
 * nothing is lost: the error is stopped here (not an uncaught error that ends the process) and
 * every client of renewingClient() is replaced by a fresh one; the caller's transaction has
 * already failed with CONNECTION_CLOSED and is retried on the new client. Every other uncaught
 * error is left alone. Installed once, by the first renewingClient().
 */
function containClosedSessionWrites(): void {
  if (contained) return;
  contained = true;
  globalThis.addEventListener("error", (event) => {
    if (!isClosedSessionWrite(event.error)) return;
    event.preventDefault();
    for (const renew of renewers) renew();
  });
}

/**
 * How long a replaced client is left before it is ended, in ms. Ending it cancels its
 * connections' pending writes (clearImmediate); Deno 2.9 crashes ("reading '_idleNext'") when an
 * immediate is cancelled after another immediate of the same turn threw (as postgres.js' write to
 * a closed session does) and before the rest of that turn's immediates ran. A second is plenty.
 */
const RETIRE_AFTER_MS = 1_000;

/**
 * A client that stays usable when PostgreSQL ends its sessions (a crash, a restart, a failover,
 * the idle-in-transaction timeout): it hands every call to `first` until postgres.js trips over a
 * closed session (containClosedSessionWrites) or renewClient() is called, then to a new client
 * from `open()`; the old one is ended a second later, failing what is still queued on it (retried
 * like any connection loss).
 * `end()` ends the client in use. `onRenew` is told each time.
 */
export function renewingClient(first: Sql, open: () => Sql, onRenew?: () => void): Sql {
  containClosedSessionWrites();
  let current = first;
  // A tagged-template call or any property (begin, unsafe, ...) goes to the client in use.
  const proxy = new Proxy(function () {} as unknown as Sql, {
    apply: (_target, _this, args) => Reflect.apply(current as unknown as () => unknown, null, args),
    get: (_target, property) => property === "end" ? end : Reflect.get(current, property),
  });
  const renew = () => {
    const old = current;
    current = open();
    setTimeout(() => old.end({ timeout: 0 }).catch(() => {}), RETIRE_AFTER_MS);
    onRenew?.();
  };
  renewers.add(renew);
  renewals.set(proxy, renew);
  const end: Sql["end"] = (options) => {
    renewers.delete(renew);
    return current.end(options);
  };
  return proxy;
}

/** The renewal of each client made by renewingClient(). */
const renewals = new WeakMap<Sql, () => void>();

/**
 * Replaces a client of renewingClient() by a new one at once (after a connection was lost
 * inside a transaction, postgres.js' connection may keep a query that is never answered, so later
 * answers on it would go to the wrong query); any other client is left as it is. True if renewed.
 */
export function renewClient(sql: Sql): boolean {
  const renew = renewals.get(sql);
  renew?.();
  return renew !== undefined;
}

/** Whether an uncaught error is postgres.js writing to a session the server already closed. */
function isClosedSessionWrite(error: unknown): boolean {
  const stack = error instanceof Error ? error.stack ?? "" : "";
  return error instanceof TypeError &&
    error.message === "Cannot read properties of null (reading 'write')" &&
    /node_modules\/postgres\/src\/connection\.js/.test(stack) && /\bnextWrite\b/.test(stack);
}
