package local.salesstream.reports.decode;

import java.io.ByteArrayOutputStream;

/**
 * UTF-8 as Node's Buffer.from(string) writes it: a lone surrogate becomes U+FFFD (EF BF BD), where
 * Java's String.getBytes would write '?'. Report keys and values are written this way so their
 * bytes are the ones the TypeScript side would produce.
 */
public final class Utf8 {
  private Utf8() {}

  private static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

  /** The UTF-8 bytes of the text, lone surrogates replaced by U+FFFD. */
  public static byte[] encode(String text) {
    if (!hasSurrogate(text)) return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() + 16);
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      boolean pair = Character.isHighSurrogate(c) && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1));
      if (pair) {
        out.writeBytes(text.substring(i, i + 2).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        i += 2;
      } else if (Character.isSurrogate(c)) {
        out.writeBytes(REPLACEMENT);
        i++;
      } else {
        out.writeBytes(String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        i++;
      }
    }
    return out.toByteArray();
  }

  /**
   * True when the bytes are well-formed UTF-8, as a strict decoder (TextDecoder with fatal: true,
   * Java's decoder with REPORT) finds them: no overlong forms, no surrogates (ED A0..BF), nothing
   * above U+10FFFF, no sequence cut off.
   */
  static boolean isValid(byte[] b) {
    int i = 0;
    int n = b.length;
    while (i < n) {
      int c = b[i];
      if (c >= 0) {
        i++;
        continue;
      }
      c &= 0xFF;
      if (c < 0xC2) return false; // a continuation byte, or an overlong two-byte form
      if (c < 0xE0) {
        if (i + 1 >= n || !continuation(b[i + 1])) return false;
        i += 2;
      } else if (c < 0xF0) {
        if (i + 2 >= n) return false;
        int c1 = b[i + 1] & 0xFF;
        if (c == 0xE0 ? c1 < 0xA0 || c1 > 0xBF
            : c == 0xED ? c1 < 0x80 || c1 > 0x9F : !continuation(b[i + 1])) {
          return false;
        }
        if (!continuation(b[i + 2])) return false;
        i += 3;
      } else if (c < 0xF5) {
        if (i + 3 >= n) return false;
        int c1 = b[i + 1] & 0xFF;
        if (c == 0xF0 ? c1 < 0x90 || c1 > 0xBF
            : c == 0xF4 ? c1 < 0x80 || c1 > 0x8F : !continuation(b[i + 1])) {
          return false;
        }
        if (!continuation(b[i + 2]) || !continuation(b[i + 3])) return false;
        i += 4;
      } else {
        return false;
      }
    }
    return true;
  }

  private static boolean continuation(byte b) {
    return (b & 0xC0) == 0x80;
  }

  private static boolean hasSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (Character.isSurrogate(text.charAt(i))) return true;
    }
    return false;
  }
}
