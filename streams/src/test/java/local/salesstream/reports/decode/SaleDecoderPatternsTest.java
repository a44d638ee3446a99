package local.salesstream.reports.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * SaleDecoder checks lib/core/sale.ts' patterns by hand: here each check gives what its regular
 * expression gives, on the examples and on many random mutations of them.
 */
class SaleDecoderPatternsTest {
  private static final String S = JsText.WHITESPACE_CLASS + "*";
  private static final Pattern SALE_ID = Pattern.compile("[\\w.:-]+");
  private static final Pattern EMAIL = Pattern.compile(
      "(?:[A-Za-z0-9_'+\\-]+\\.)*[A-Za-z0-9_'+\\-]*[A-Za-z0-9_+-]@"
          + "(?:[A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}");
  private static final Pattern DECIMAL = Pattern.compile(S + "(\\d{1,15})(?:\\.(\\d{1,2}))?" + S);
  private static final Pattern CARD_TEXT = Pattern.compile("[\\d -]+");
  private static final Pattern CARD_DIGITS = Pattern.compile("\\d{12,19}");
  private static final Pattern EXPIRY_SLASH =
      Pattern.compile(S + "(\\d{1,2})" + S + "/" + S + "(\\d{2}|\\d{4})" + S);
  private static final Pattern EXPIRY_ISO = Pattern.compile(S + "(\\d{4})-(\\d{2})" + S);
  private static final Pattern ZIP = Pattern.compile("\\d{5}(-\\d{4})?");

  private static long centsByPattern(String s) {
    Matcher m = DECIMAL.matcher(s);
    if (!m.matches()) return -1;
    String fraction = m.group(2) == null ? "00" : (m.group(2) + "0").substring(0, 2);
    long cents = Long.parseLong(m.group(1)) * 100 + Long.parseLong(fraction);
    return cents > SaleDecoder.MAX_PRICE_CENTS ? -1 : cents;
  }

  private static String cardByPattern(String s) {
    String digits = CARD_TEXT.matcher(s).matches() ? s.replace(" ", "").replace("-", "") : "";
    return CARD_DIGITS.matcher(digits).matches() ? digits : null;
  }

  private static int[] expiryByPattern(String value) {
    String monthText;
    String yearText;
    Matcher slash = EXPIRY_SLASH.matcher(value);
    Matcher iso = EXPIRY_ISO.matcher(value);
    if (slash.matches()) {
      monthText = slash.group(1);
      yearText = slash.group(2);
    } else if (iso.matches()) {
      monthText = iso.group(2);
      yearText = iso.group(1);
    } else {
      return null;
    }
    int month = Integer.parseInt(monthText);
    int year = Integer.parseInt(yearText) + (yearText.length() == 2 ? 2000 : 0);
    if (month < 1 || month > 12 || year < 2000 || year > 2099) return null;
    return new int[] {month, year};
  }

  private static final List<String> EXAMPLES = List.of("", "a", "sale-1:2.x_Y", "123",
      "john.doe@example.com", "a'b+c-d_e@sub-domain.x1.org", "o'@x.io", "a.b.c@d-e.f.gh",
      "x@y.z", ".a@b.cd", "a..b@c.de", "a@-b.cd", "a@b-.cd", "a@b..cd", "a@b.c1",
      "12", " 12.5 ", "1.99", "0.01", "999999999999999.99", "1234567890123456", "1.", ".5",
      "01/27", " 1 / 2027 ", "12/2099", "2027-01", " 2027-12\u00A0", "13/27", "00/27", "1/999",
      "12345", "12345-6789", "1234", "123456", "4111 1111-1111 1111", "4111111111111", " - ",
      "\u2028 7\uFEFF/\u300026 ");

  private static final char[] ALPHABET = {'0', '1', '2', '5', '9', 'a', 'Z', 'e', ' ', '\t',
      '\u00A0', '\u2028', '\u3000', '\uFEFF', '\u200B', '.', '/', '-', '@', '\'', '+', '_', ':',
      '\u0660', '\u00E9', '\uD800', '\\', '1', '0'};

  private static String mutate(String s, Random random) {
    StringBuilder b = new StringBuilder(s);
    for (int n = random.nextInt(4); n >= 0; n--) {
      int at = random.nextInt(b.length() + 1);
      char c = ALPHABET[random.nextInt(ALPHABET.length)];
      switch (random.nextInt(3)) {
        case 0 -> b.insert(at, c);
        case 1 -> {
          if (at < b.length()) b.deleteCharAt(at);
        }
        default -> {
          if (at < b.length()) b.setCharAt(at, c);
        }
      }
    }
    return b.toString();
  }

  @Test
  void eachCheckGivesWhatItsRegularExpressionGives() {
    Random random = new Random(23);
    int accepted = 0;
    for (int n = 0; n < 400_000; n++) {
      String base = EXAMPLES.get(random.nextInt(EXAMPLES.size()));
      String s = n < EXAMPLES.size() ? EXAMPLES.get(n) : mutate(base, random);
      String why = "\"" + s + "\"";
      assertEquals(SALE_ID.matcher(s).matches(), SaleDecoder.isSaleIdText(s), why);
      assertEquals(EMAIL.matcher(s).matches(), SaleDecoder.isEmail(s), why);
      assertEquals(ZIP.matcher(s).matches(), SaleDecoder.isZip(s), why);
      assertEquals(centsByPattern(s), SaleDecoder.centsOf(s), why);
      assertEquals(cardByPattern(s), SaleDecoder.cardDigits(s), why);
      assertArrayEquals(expiryByPattern(s), SaleDecoder.parseExpiry(s), why);
      if (EMAIL.matcher(s).matches() || centsByPattern(s) >= 0 || expiryByPattern(s) != null) {
        accepted++;
      }
    }
    // The mutations are near enough to the examples to be accepted often.
    assertEquals(true, accepted > 40_000, accepted + " accepted");
  }
}
