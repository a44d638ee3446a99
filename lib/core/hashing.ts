/**
 * Keyed hashes of card numbers, emails and sale contents: HMAC-SHA256 under the deployment's
 * card-hash key (given by the caller; lib/infra/secret.ts reads it), so no clear value can be
 * recovered from what is stored or published.
 */
import { createHash, type Hash } from "node:crypto";
import { Buffer } from "node:buffer";
import type { Sale } from "./sale.ts";

/** HMAC-SHA256 of the text under the secret, hex encoded. */
export function keyedHash(text: string, secret: string): string {
  const { inner, outer } = padsFor(secret);
  return outer.copy().update(inner.copy().update(text).digest()).digest("hex");
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
