/**
 * One card-hash key per deployment: the database keeps a check value of the key the first consumer
 * used (an HMAC of a fixed label under the key, never the key), and a consumer with another key is
 * refused before it writes, since its fingerprints and content hashes would not match the stored ones.
 */
import { keyedHash } from "../core/hashing.ts";
import { ConfigError } from "../infra/settings.ts";
import type { Sql } from "../infra/db.ts";

/** The fixed text whose HMAC under the key is stored as the key's check value. */
const CHECK_LABEL = "sales-stream card-hash key check v1";

/** Thrown when the database holds the check value of another key (a ConfigError: exit 2); says what to set. */
class CardHashKeyMismatchError extends ConfigError {
  override name = "CardHashKeyMismatchError";
}

/** The check value of a key: HMAC-SHA256 of a fixed label under it (the key cannot be recovered). */
export function cardHashKeyCheck(secret: string): string {
  return keyedHash(CHECK_LABEL, secret);
}

/**
 * Stores the key's check value when the database holds none yet ("stored"), else compares it
 * ("matched"); throws CardHashKeyMismatchError naming `source` (where the key came from) when the
 * database holds another key's.
 */
export async function claimCardHashKey(
  sql: Sql,
  secret: string,
  source: string,
): Promise<"stored" | "matched"> {
  const value = cardHashKeyCheck(secret);
  const stored = await sql`
    insert into card_hash_key (check_value) values (${value})
    on conflict (only_row) do nothing returning 1`;
  if (stored.length === 1) return "stored";
  const [row] = await sql`select check_value, current_database() as db from card_hash_key`;
  if (row!.check_value === value) return "matched";
  throw new CardHashKeyMismatchError(
    `the card-hash key from ${source} is not this deployment's: database "${row!.db}" was ` +
      "written with another key; set CARD_HASH_SECRET_FILE (or CARD_HASH_SECRET) to the " +
      "deployment's key, the same on every host; nothing was written",
  );
}
