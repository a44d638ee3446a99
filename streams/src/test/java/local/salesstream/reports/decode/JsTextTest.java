package local.salesstream.reports.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** JavaScript's string rules. */
class JsTextTest {
  @Test
  void loneSurrogatesAreEscapedAsJsonStringifyDoes() {
    assertEquals("\"\\ud800\\n\\u0001😀\"", JsText.jsonString("\ud800\n\u0001😀"));
  }
}
