package local.salesstream.reports.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/** UTF-8 as Node writes it. */
class Utf8Test {
  @Test
  void loneSurrogatesBecomeTheReplacementCharacterInKafkaText() {
    assertArrayEquals(new byte[] {'a', (byte) 0xEF, (byte) 0xBF, (byte) 0xBD, 'b'},
        Utf8.encode("a\ud800b"));
    assertArrayEquals("é😀".getBytes(java.nio.charset.StandardCharsets.UTF_8), Utf8.encode("é😀"));
  }
}
