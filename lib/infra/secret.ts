/** The card-hash key: CARD_HASH_SECRET, or a key generated once into .local/ for a local demo. */
import { randomBytes } from "node:crypto";

const LOCAL_SECRET = new URL("../../.local/card-hash-secret", import.meta.url);

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
