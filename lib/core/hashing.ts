/**
 * Keyed hashes of card numbers, emails and sale contents: HMAC-SHA256 under the deployment's
 * card-hash key (given by the caller; lib/infra/secret.ts reads it), so no clear value can be
 * recovered from what is stored or published.
 */
import { createHash } from "node:crypto";
import type { Sale } from "./sale.ts";
import { HmacSha256 } from "./sha256.ts";

/** HMAC-SHA256 of the text under the secret, hex encoded. */
export function keyedHash(text: string, secret: string): string {
  if (keyed?.secret !== secret) keyed = { secret, hmac: new HmacSha256(secret) };
  return keyed.hmac.hex(text);
}

/** The fingerprint stored instead of a card number (HMAC-SHA256 of "card:" + digits). */
export function cardFingerprint(cardNumber: string, secret: string): string {
  return keyedHash(`card:${cardNumber}`, secret);
}

/** The key of a customer in reports: a keyed hash of the email, never the email itself. */
export function customerKey(email: string, secret: string): string {
  return keyedHash(`customer:${email}`, secret);
}

/**
 * The hash that tells a re-delivery (same content) from a conflicting duplicate. It covers the
 * card through its keyed fingerprint, so the plain SHA-256 reveals nothing about the number.
 */
export function contentHash(sale: Sale, fingerprint: string): string {
  return createHash("sha256").update(JSON.stringify({ ...sale, cardNumber: fingerprint }))
    .digest("hex");
}

/** The HMAC of the last secret used, its key's inner and outer states computed once. */
let keyed: { secret: string; hmac: HmacSha256 } | undefined;
