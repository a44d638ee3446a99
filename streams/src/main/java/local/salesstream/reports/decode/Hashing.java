package local.salesstream.reports.decode;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The project's keyed hashes (lib/core/hashing.ts): HMAC-SHA256 under the card-hash secret for
 * card fingerprints and customer keys, and the content hash that tells a re-delivered sale from a
 * conflicting one. The content hash is a SHA-256 over the normalised sale with the card number
 * replaced by its keyed fingerprint, so it cannot be computed (or checked against a guessed
 * email or card) without the secret; it equals the hash PostgreSQL stores for the sale.
 */
public final class Hashing {
  private static final HexFormat HEX = HexFormat.of();
  private final SecretKeySpec key;
  private final ThreadLocal<Mac> macs;

  /** Hashes under the given secret (UTF-8, as Node's Buffer.from). */
  public Hashing(String secret) {
    this.key = new SecretKeySpec(Utf8.encode(secret), "HmacSHA256");
    this.macs = ThreadLocal.withInitial(this::newMac);
  }

  /** HMAC-SHA256 of the text under the secret, hex encoded. */
  String keyedHash(String text) {
    return HEX.formatHex(macs.get().doFinal(Utf8.encode(text)));
  }

  /** The fingerprint stored instead of a card number. */
  String cardFingerprint(String cardNumber) {
    return keyedHash("card:" + cardNumber);
  }

  /** The key of a customer in customer_insights. */
  public String customerKey(String email) {
    return keyedHash("customer:" + email);
  }

  /** The content hash of a sale (hex), as lib/core/hashing.ts computes it for PostgreSQL. */
  public String contentHash(Sale sale) {
    return HEX.formatHex(contentDigest(sale));
  }

  /** The content hash of a sale: its 32 bytes. */
  public byte[] contentDigest(Sale sale) {
    return sale.jsonDigest(SHA256.get(), cardFingerprint(sale.cardNumber()));
  }

  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this Java runtime", e);
    }
  });

  private Mac newMac() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this Java runtime", e);
    }
  }
}
