package local.salesstream.reports.decode;

/**
 * String rules of JavaScript that the project's validation (lib/core/sale.ts) relies on, so this
 * module decides exactly as the TypeScript code does: JavaScript's whitespace set (for trim() and
 * the regex class \s) and String(number) for whole numbers. (JSON.stringify's escaping is
 * Jackson's, set up in {@link JsonBytes}.)
 */
public final class JsText {
  private JsText() {}

  /**
   * JavaScript's \s and trim() set: WhiteSpace (tab, VT, FF, space, NBSP, ZWNBSP, the Zs
   * category) and LineTerminator (LF, CR, U+2028, U+2029), written out for java.util.regex.
   */
  static final String WHITESPACE_CLASS =
      "[\\t\\n\\u000B\\f\\r \\u00A0\\u1680\\u2000-\\u200A"
          + "\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF]";

  /** Largest integer a JavaScript number holds exactly (Number.MAX_SAFE_INTEGER). */
  static final double MAX_SAFE_INTEGER = 9007199254740991d;

  /** True for a character JavaScript's trim() removes. */
  static boolean isWhitespace(char c) {
    switch (c) {
      case '\t', '\n', '\u000B', '\f', '\r', ' ', '\u00A0', '\u1680', '\u2028', '\u2029', '\u202F',
          '\u205F', '\u3000', '\uFEFF' -> {
        return true;
      }
      default -> {
        return c >= '\u2000' && c <= '\u200A';
      }
    }
  }

  /** String.prototype.trim(). */
  public static String trim(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isWhitespace(s.charAt(start))) start++;
    while (end > start && isWhitespace(s.charAt(end - 1))) end--;
    return s.substring(start, end);
  }

  /** True when trim() leaves nothing. */
  static boolean isBlank(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (!isWhitespace(s.charAt(i))) return false;
    }
    return true;
  }

  /** Number.isSafeInteger(). */
  static boolean isSafeInteger(double d) {
    return Double.isFinite(d) && Math.floor(d) == d && Math.abs(d) <= MAX_SAFE_INTEGER;
  }

  /** Number.isInteger(). */
  static boolean isInteger(double d) {
    return Double.isFinite(d) && Math.floor(d) == d;
  }

  /** String(n) for a safe integer (-0 prints as "0", as in JavaScript). */
  static String integerString(double safeInteger) {
    return Long.toString((long) safeInteger);
  }

  /**
   * Math.round(): the nearest integer, halves towards +infinity. (Math.floor(x + 0.5) would be off
   * for 0.49999999999999994, whose sum with 0.5 rounds up to 1.)
   */
  static double round(double x) {
    if (!Double.isFinite(x)) return x;
    double floor = Math.floor(x);
    return x - floor >= 0.5 ? floor + 1 : floor;
  }
}
