/** The key for card fingerprints and content hashes: CARD_HASH_SECRET, or a generated local one. */
import { createHash, type Hash, randomBytes } from "node:crypto";
import { Buffer } from "node:buffer";

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

/** HMAC-SHA256 of the text under the card secret, hex encoded. */
export function keyedHash(text: string, secret: string = cardHashSecret()): string {
  const { inner, outer } = padsFor(secret);
  return outer.copy().update(inner.copy().update(text).digest()).digest("hex");
}

let pads: { secret: string; inner: Hash; outer: Hash } | undefined;

/** HMAC's inner and outer hash states after the padded key (RFC 2104), computed once per secret. */
function padsFor(secret: string) {
  if (pads?.secret === secret) return pads;
  const raw = Buffer.from(secret);
  const key: Uint8Array = raw.length > 64 ? createHash("sha256").update(raw).digest() : raw;
  const block = Buffer.alloc(64);
  block.set(key);
  const inner = createHash("sha256").update(block.map((b) => b ^ 0x36));
  const outer = createHash("sha256").update(block.map((b) => b ^ 0x5c));
  return pads = { secret, inner, outer };
}
