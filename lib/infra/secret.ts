/** The card-hash key: CARD_HASH_SECRET(_FILE), or a key generated once into .local/ for a local demo. */
import { randomBytes } from "node:crypto";
import { processEnvironment, readSetting } from "./settings.ts";

const LOCAL_SECRET = new URL("../../.local/card-hash-secret", import.meta.url);

let cached: string | undefined;
let source = "";

/**
 * Returns the key from CARD_HASH_SECRET_FILE or CARD_HASH_SECRET (the setting cardHashSecret:
 * at least 16 characters, else a ConfigError), else from .local/ (created on first use).
 */
export function cardHashSecret(): string {
  if (cached) return cached;
  const given = readSetting("cardHashSecret", processEnvironment());
  if (given !== undefined) {
    source = given.file ? `CARD_HASH_SECRET_FILE=${given.file}` : "CARD_HASH_SECRET";
    return cached = given.value();
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
