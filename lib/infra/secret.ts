/** The card-hash key: CARD_HASH_SECRET(_FILE), or a key generated once into .local/ for a local demo. */
import { randomBytes } from "node:crypto";
import { ConfigError, secretSetting } from "./config.ts";

const LOCAL_SECRET = new URL("../../.local/card-hash-secret", import.meta.url);

let cached: string | undefined;
let source = "";

/**
 * Returns the key from CARD_HASH_SECRET_FILE or CARD_HASH_SECRET, else from .local/ (created on
 * first use). A key shorter than 16 characters or an unreadable file is a ConfigError.
 */
export function cardHashSecret(): string {
  if (cached) return cached;
  const given = secretSetting("CARD_HASH_SECRET", Deno.env.toObject());
  if (given !== undefined) {
    if (given.value.length < 16) {
      throw new ConfigError(
        `CARD_HASH_SECRET${
          given.file ? "_FILE" : ""
        } holds fewer than 16 characters; use a long random value`,
      );
    }
    source = given.file ? `CARD_HASH_SECRET_FILE=${given.file}` : "CARD_HASH_SECRET";
    return cached = given.value;
  }
  source = "this checkout's .local/card-hash-secret (CARD_HASH_SECRET_FILE and CARD_HASH_SECRET " +
    "are not set)";
  try {
    cached = Deno.readTextFileSync(LOCAL_SECRET).trim();
  } catch {
    Deno.mkdirSync(new URL(".", LOCAL_SECRET), { recursive: true });
    const fresh = randomBytes(32).toString("hex");
    try {
      Deno.writeTextFileSync(LOCAL_SECRET, fresh, { mode: 0o600, createNew: true });
      cached = fresh;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      cached = Deno.readTextFileSync(LOCAL_SECRET).trim(); // another process made it first
    }
  }
  return cached;
}

/** Where cardHashSecret()'s key came from, for messages (a setting or file, never the key). */
export function cardHashSecretSource(): string {
  cardHashSecret();
  return source;
}
