package local.salesstream.reports.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The keyed hashes. */
class HashingTest {
  @Test
  void keyedHashesAreHmacSha256() {
    // RFC 4231 test case 2.
    assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        new Hashing("Jefe").keyedHash("what do ya want for nothing?"));
  }
}
