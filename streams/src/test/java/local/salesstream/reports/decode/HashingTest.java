package local.salesstream.reports.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

/** The keyed hashes. */
class HashingTest {
  @Test
  void keyedHashesAreHmacSha256() {
    // RFC 4231 test case 2.
    assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        new Hashing("Jefe").keyedHash("what do ya want for nothing?"));
  }

  @Test
  void theContentDigestIsTheSha256OfTheSalesJsonBytes() throws Exception {
    // Escapes, a surrogate pair, a lone surrogate and a long field cross the generator's buffer.
    Sale sale = new Sale("s-1", "Zoë \"Q\"", "O'Brien\n\t", "zoe@example.com", "x".repeat(9000),
        "Visa", "4111111111111111", 7, 2031, "Toys 😀", "lone \ud800 surrogate", 1999, 1250,
        "1 Main St", "Austin", "TX", "73301");
    Hashing hashing = new Hashing("k".repeat(32));
    byte[] json = sale.toJson(hashing.cardFingerprint(sale.cardNumber()));
    assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(json),
        hashing.contentDigest(sale));
    assertArrayEquals(hashing.contentDigest(sale), hashing.contentDigest(sale));
  }
}
