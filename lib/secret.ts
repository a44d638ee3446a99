/** The key for card fingerprints and content hashes: CARD_HASH_SECRET, or a generated local one. */
import { createHmac, randomBytes } from "node:crypto";

const LOCAL_SECRET = new URL("../.local/card-hash-secret", import.meta.url);

let cached: string | undefined;

/** Returns the secret from CARD_HASH_SECRET, else from .local/ (created on first use). */
export function cardHashSecret(): string {
  if (cached) return cached;
  const fromEnv = Deno.env.get("CARD_HASH_SECRET");
  if (fromEnv !== undefined) {
    if (fromEnv.length < 16) {
      throw new Error("CARD_HASH_SECRET is shorter than 16 characters; use a long random value");
    }
    return cached = fromEnv;
  }
  try {
    cached = Deno.readTextFileSync(LOCAL_SECRET).trim();
  } catch {
    Deno.mkdirSync(new URL(".", LOCAL_SECRET), { recursive: true });
    cached = randomBytes(32).toString("hex");
    Deno.writeTextFileSync(LOCAL_SECRET, cached, { mode: 0o600, createNew: true });
  }
  return cached;
}

/** HMAC-SHA256 of the text under the card secret, hex encoded. */
export function keyedHash(text: string, secret: string = cardHashSecret()): string {
  return createHmac("sha256", secret).update(text).digest("hex");
}
