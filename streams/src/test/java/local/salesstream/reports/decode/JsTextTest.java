package local.salesstream.reports.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** JavaScript's string rules, and JSON.stringify's as Jackson writes them (JsonBytes). */
class JsTextTest {
  private static String stringify(String s) {
    return new String(JsonBytes.write(out -> out.writeString(s)), StandardCharsets.UTF_8);
  }

  @Test
  void loneSurrogatesAreEscapedAsJsonStringifyDoes() {
    assertEquals("\"\\ud800\\n\\u0001\\u001b😀\\udc00\"", stringify("\ud800\n\u0001\u001b😀\udc00"));
  }

  @Test
  void onlyWhatJsonStringifyEscapesIsEscaped() {
    assertEquals("\"\\\"\\\\/\\b\\f\\r\\t\u007f\u2028é\"", stringify("\"\\/\b\f\r\t\u007f\u2028é"));
  }

  @Test
  void surrogatePairsAreOneFourByteCharacter() {
    byte[] bytes = JsonBytes.write(out -> out.writeString("😀"));
    assertEquals("22f09f988022", java.util.HexFormat.of().formatHex(bytes));
  }

  @Test
  void trimRemovesJavaScriptWhitespaceOnly() {
    assertEquals("a b", JsText.trim("\u00a0\u2028\ufeff a b\u3000\t"));
    assertEquals("\u200ba", JsText.trim("\u200ba "));
  }
}
