package local.salesstream.reports.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** UTF-8 as Node writes it. */
class Utf8Test {
  @Test
  void loneSurrogatesBecomeTheReplacementCharacterInKafkaText() {
    assertArrayEquals(new byte[] {'a', (byte) 0xEF, (byte) 0xBF, (byte) 0xBD, 'b'},
        Utf8.encode("a\ud800b"));
    assertArrayEquals("é😀".getBytes(java.nio.charset.StandardCharsets.UTF_8), Utf8.encode("é😀"));
  }

  /** What Java's strict decoder (the rule of TextDecoder with fatal: true) says. */
  private static boolean strictlyDecodes(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  @Test
  void validatesExactlyAsTheStrictDecoder() {
    // Every sequence of up to four bytes drawn from the bytes where the rules change.
    int[] edges = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
        0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFE, 0xFF};
    int checked = 0;
    for (int length = 1; length <= 4; length++) {
      int[] at = new int[length];
      while (true) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte) edges[at[i]];
        assertEquals(strictlyDecodes(bytes), Utf8.isValid(bytes), Arrays.toString(bytes));
        checked++;
        int i = length - 1;
        while (i >= 0 && ++at[i] == edges.length) at[i--] = 0;
        if (i < 0) break;
      }
    }
    assertEquals(26 + 26 * 26 + 26 * 26 * 26 + 26 * 26 * 26 * 26, checked);
    // And random texts with a byte changed here and there.
    Random random = new Random(23);
    for (int n = 0; n < 20_000; n++) {
      StringBuilder text = new StringBuilder();
      for (int i = random.nextInt(12); i >= 0; i--) {
        text.appendCodePoint(switch (random.nextInt(4)) {
          case 0 -> 0x20 + random.nextInt(0x5F);
          case 1 -> 0x80 + random.nextInt(0x780);
          case 2 -> 0x800 + random.nextInt(0xD000);
          default -> 0x10000 + random.nextInt(0x100000);
        });
      }
      byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
      if (bytes.length > 0 && random.nextBoolean()) {
        bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
      }
      if (random.nextInt(8) == 0) bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length + 1));
      assertEquals(strictlyDecodes(bytes), Utf8.isValid(bytes), Arrays.toString(bytes));
    }
  }
}
