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

  private static boolean hasSurrogate(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (Character.isSurrogate(text.charAt(i))) return true;
    }
    return false;
  }
}
