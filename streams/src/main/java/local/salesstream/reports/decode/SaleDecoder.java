package local.salesstream.reports.decode;


/**
 * Turns a Kafka message value into a validated sale or a rejection code, by exactly the rules of
 * lib/core/decode.ts, lib/core/sale.ts (the zod schema) and lib/core/sale_fast.ts. The corpus
 * tools/decode_corpus.ts makes from the TypeScript decode(), checked line by line by
 * DecodeCorpusCheck (src/test), shows that both languages agree.
 */
public final class SaleDecoder {
  private SaleDecoder() {}

  /** Largest message value accepted, in bytes. */
  static final int MAX_MESSAGE_BYTES = 64 * 1024;
  /** Largest price numeric(14,2) holds, in cents. */
  static final long MAX_PRICE_CENTS = 99_999_999_999_999L;
  /**
   * Longest text field accepted. Lengths are Unicode code points, as zod 4 measures them (a
   * surrogate pair is one character, a lone surrogate too), not UTF-16 units.
   */
  static final int MAX_TEXT = 200;
  /** Longest sale_id, email and card company accepted. */
  static final int MAX_SALE_ID = 64, MAX_EMAIL = 254, MAX_CARD_COMPANY = 50;

  // The patterns of lib/core/sale.ts are checked by hand, character by character, with the
  // results of their regular expressions (SaleDecoderPatternsTest holds them side by side on
  // random texts): no Matcher and its arrays per field and sale.

  /** What decoding one message gave: a sale, or the reason code decode.ts would give. */
  public sealed interface Result permits Accepted, Rejected {}

  /** A message holding a valid sale. */
  public record Accepted(Sale sale) implements Result {}

  /**
   * A rejected message: code is one of empty, oversized, not_utf8, not_json, not_object,
   * invalid_field (decode.ts' REJECTION_CODES); the message never holds card data.
   */
  public record Rejected(String code, String message) implements Result {}

  /** Decodes and validates one message value (null is a tombstone: "empty"). */
  public static Result decode(byte[] value) {
    if (value == null || value.length == 0) return new Rejected("empty", "message has no value");
    if (value.length > MAX_MESSAGE_BYTES) {
      return new Rejected("oversized",
          "message is " + value.length + " bytes; the limit is " + MAX_MESSAGE_BYTES);
    }
    // TextDecoder (fatal) rejects malformed UTF-8 and drops one leading byte order mark.
    if (!Utf8.isValid(value)) return new Rejected("not_utf8", "message is not valid UTF-8");
    int start = value.length >= 3 && value[0] == (byte) 0xEF && value[1] == (byte) 0xBB
        && value[2] == (byte) 0xBF ? 3 : 0;
    JsonRecord.Parsed data;
    try {
      data = JsonRecord.parse(value, start, FIELDS);
    } catch (JsonRecord.NotJsonException e) {
      return new Rejected("not_json", "message is not JSON (" + e.getMessage() + ")");
    }
    return validate(data);
  }

  /** Where each field of a sale is in the parsed record (its other fields are ignored). */
  private static final int AT_SALE_ID = 0, AT_FIRST_NAME = 1, AT_LAST_NAME = 2, AT_EMAIL = 3,
      AT_JOB_TITLE = 4, AT_CARD_COMPANY = 5, AT_CARD_NUMBER = 6, AT_CARD_EXPIRY = 7,
      AT_CATEGORY = 8, AT_PRODUCT_NAME = 9, AT_SALE_PRICE = 10, AT_COST_PRICE = 11, AT_STREET = 12,
      AT_CITY = 13, AT_STATE = 14, AT_ZIPCODE = 15;

  /** Their names in the message, in the order of the indexes above. */
  static final JsonRecord.Wanted FIELDS = new JsonRecord.Wanted("sale_id", "first_name",
      "last_name", "email", "job_title", "credit_card_company", "credit_card_number",
      "credit_card_expiration_date", "category", "product_name", "sale_price", "cost_price",
      "street", "city", "state", "zipcode");

  /** Validates a parsed record. */
  static Result validate(JsonRecord.Parsed data) {
    if (!data.isObject()) {
      return new Rejected("not_object",
          "expected a JSON object with the sale's fields, got " + data.kind());
    }
    Sale sale = parse(data.fields());
    if (sale != null) return new Accepted(sale);
    return new Rejected("invalid_field", "a field is missing or invalid");
  }

  /** The sale of a record whose every field is valid (sale_fast.ts' parseSaleFast); else null. */
  private static Sale parse(Object[] r) {
    String saleId = saleIdOf(r[AT_SALE_ID]);
    Object firstName = r[AT_FIRST_NAME];
    Object lastName = r[AT_LAST_NAME];
    Object email = r[AT_EMAIL];
    Object jobTitle = r[AT_JOB_TITLE];
    Object cardCompany = r[AT_CARD_COMPANY];
    Object category = r[AT_CATEGORY];
    Object productName = r[AT_PRODUCT_NAME];
    Object street = r[AT_STREET];
    Object city = r[AT_CITY];
    if (saleId == null || !isText(firstName, MAX_TEXT) || !isText(lastName, MAX_TEXT)
        || !(email instanceof String e) || !fits(e, MAX_EMAIL) || !isEmail(e)
        || !(jobTitle instanceof String job) || !fits(job, MAX_TEXT) || job.indexOf('\0') >= 0
        || !isText(cardCompany, MAX_CARD_COMPANY) || !isText(category, MAX_TEXT)
        || !isText(productName, MAX_TEXT) || !isText(street, MAX_TEXT) || !isText(city, MAX_TEXT)) {
      return null;
    }
    String cardNumber = cardDigits(r[AT_CARD_NUMBER]);
    int[] expiry = r[AT_CARD_EXPIRY] instanceof String s ? parseExpiry(s) : null;
    long salePrice = centsOf(r[AT_SALE_PRICE]);
    long costPrice = centsOf(r[AT_COST_PRICE]);
    String state = r[AT_STATE] instanceof String s ? UsStates.code(s) : null;
    String zipcode = zipCode(r[AT_ZIPCODE]);
    if (cardNumber == null || expiry == null || salePrice < 0 || costPrice < 0 || state == null
        || zipcode == null) {
      return null;
    }
    return new Sale(saleId, (String) firstName, (String) lastName, e, job, (String) cardCompany,
        cardNumber, expiry[0], expiry[1], (String) category, (String) productName, salePrice,
        costPrice, (String) street, (String) city, state, zipcode);
  }

  /** A non-blank string of at most max code points without NUL, as the schema's text fields. */
  private static boolean isText(Object value, int max) {
    return value instanceof String s && fits(s, max) && !JsText.isBlank(s) && s.indexOf('\0') < 0;
  }

  /** At most max code points. */
  private static boolean fits(String s, int max) {
    return s.length() <= max || s.codePointCount(0, s.length()) <= max;
  }

  /** A string id of [\w.:-] (at most 64) or a non-negative safe integer, as text; else null. */
  private static String saleIdOf(Object value) {
    if (value instanceof String s) {
      return isText(s, MAX_SALE_ID) && isSaleIdText(s) ? s : null;
    }
    if (value instanceof Double d && JsText.isSafeInteger(d) && d >= 0) {
      return JsText.integerString(d);
    }
    return null;
  }

  /** The regular expression [\w.:-]+ (\w without Unicode: [A-Za-z0-9_]). */
  static boolean isSaleIdText(String s) {
    if (s.isEmpty()) return false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(isWordChar(c) || c == '.' || c == ':' || c == '-')) return false;
    }
    return true;
  }

  /**
   * zod 4's z.regexes.email, (?:[A-Za-z0-9_'+\-]+\.)*[A-Za-z0-9_'+\-]*[A-Za-z0-9_+-]@
   * (?:[A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}: one @; before it dot-separated non-empty
   * parts of [A-Za-z0-9_'+-], the last character not '; after it at least two dot-separated
   * labels, each but the last starting with a letter or digit and of letters, digits and -, the
   * last of two or more letters.
   */
  static boolean isEmail(String s) {
    int at = s.indexOf('@');
    if (at <= 0 || s.charAt(at - 1) == '\'') return false;
    boolean partEmpty = true;
    for (int i = 0; i < at; i++) {
      char c = s.charAt(i);
      if (c == '.') {
        if (partEmpty) return false;
        partEmpty = true;
      } else if (isWordChar(c) || c == '\'' || c == '+' || c == '-') {
        partEmpty = false;
      } else {
        return false;
      }
    }
    if (partEmpty) return false; // a local part ending in a dot
    int lastDot = s.lastIndexOf('.');
    if (lastDot < at + 2 || s.length() - lastDot - 1 < 2) return false;
    for (int i = lastDot + 1; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return false;
    }
    boolean labelStart = true;
    for (int i = at + 1; i < lastDot; i++) {
      char c = s.charAt(i);
      if (c == '.') {
        if (labelStart) return false;
        labelStart = true;
      } else if (isAlphanumeric(c)) {
        labelStart = false;
      } else if (c == '-' && !labelStart) {
        continue;
      } else {
        return false;
      }
    }
    return !labelStart;
  }

  private static boolean isAlphanumeric(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }

  private static boolean isWordChar(char c) {
    return isAlphanumeric(c) || c == '_';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** True when s[from, to) is between min and max ASCII digits. */
  private static boolean digits(String s, int from, int to, int min, int max) {
    if (to - from < min || to - from > max) return false;
    for (int i = from; i < to; i++) {
      if (!isDigit(s.charAt(i))) return false;
    }
    return true;
  }

  /** The index of the first character of s that JavaScript's \s does not match, from from. */
  private static int skipSpace(String s, int from, int to) {
    while (from < to && JsText.isWhitespace(s.charAt(from))) from++;
    return from;
  }

  /** The end of s[from, to) without the \s characters it ends with. */
  private static int dropSpace(String s, int from, int to) {
    while (to > from && JsText.isWhitespace(s.charAt(to - 1))) to--;
    return to;
  }

  /** A price (number with at most two decimals, or decimal text) in cents; -1 when invalid. */
  static long centsOf(Object value) {
    if (value instanceof Double d) {
      if (!Double.isFinite(d)) return -1;
      double cents = JsText.round(d * 100);
      if (Math.abs(d * 100 - cents) > 1e-6) return -1;
      if (cents < 0 || cents > MAX_PRICE_CENTS) return -1;
      return (long) cents;
    }
    if (value instanceof String s) {
      // \s*(\d{1,15})(?:\.(\d{1,2}))?\s*
      int from = skipSpace(s, 0, s.length());
      int to = dropSpace(s, from, s.length());
      int dot = s.indexOf('.', from);
      int wholeEnd = dot < 0 || dot >= to ? to : dot;
      if (!digits(s, from, wholeEnd, 1, 15)) return -1;
      long cents = 0;
      for (int i = from; i < wholeEnd; i++) cents = cents * 10 + (s.charAt(i) - '0');
      cents *= 100;
      if (wholeEnd < to) {
        if (!digits(s, wholeEnd + 1, to, 1, 2)) return -1;
        cents += (s.charAt(wholeEnd + 1) - '0') * 10;
        if (to - wholeEnd == 3) cents += s.charAt(wholeEnd + 2) - '0';
      }
      return cents > MAX_PRICE_CENTS ? -1 : cents;
    }
    return -1;
  }

  /** The digits of a card number (digits, spaces and dashes, or a number), 12 to 19; else null. */
  static String cardDigits(Object value) {
    String digits;
    if (value instanceof Double d) {
      digits = JsText.isSafeInteger(d) ? JsText.integerString(d) : "";
    } else if (value instanceof String s) {
      // [\d -]+, then without its spaces and dashes
      StringBuilder kept = new StringBuilder(s.length());
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (isDigit(c)) {
          kept.append(c);
        } else if (c != ' ' && c != '-') {
          return null;
        }
      }
      digits = s.isEmpty() ? "" : kept.length() == s.length() ? s : kept.toString();
    } else {
      return null;
    }
    return digits(digits, 0, digits.length(), 12, 19) ? digits : null; // \d{12,19}
  }

  /**
   * {month, year} of an expiry written MM/YY, MM/YYYY or YYYY-MM; else null. The patterns:
   * \s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s* and \s*(\d{4})-(\d{2})\s*.
   */
  static int[] parseExpiry(String value) {
    int from = skipSpace(value, 0, value.length());
    int to = dropSpace(value, from, value.length());
    int month;
    int year;
    int slash = value.indexOf('/', from);
    if (slash >= 0 && slash < to) {
      int monthEnd = dropSpace(value, from, slash);
      int yearStart = skipSpace(value, slash + 1, to);
      if (!digits(value, from, monthEnd, 1, 2)) return null;
      int yearLength = to - yearStart;
      if ((yearLength != 2 && yearLength != 4) || !digits(value, yearStart, to, 2, 4)) return null;
      month = Integer.parseInt(value, from, monthEnd, 10);
      year = Integer.parseInt(value, yearStart, to, 10) + (yearLength == 2 ? 2000 : 0);
    } else if (to - from == 7 && value.charAt(from + 4) == '-'
        && digits(value, from, from + 4, 4, 4) && digits(value, from + 5, to, 2, 2)) {
      year = Integer.parseInt(value, from, from + 4, 10);
      month = Integer.parseInt(value, from + 5, to, 10);
    } else {
      return null;
    }
    if (month < 1 || month > 12 || year < 2000 || year > 2099) return null;
    return new int[] {month, year};
  }

  /** A US ZIP code (12345 or 12345-6789; a whole number is zero-padded); else null. */
  static String zipCode(Object value) {
    String zip;
    if (value instanceof Double d && JsText.isInteger(d)) {
      if (!(d >= 0 && d <= 99999)) return null;
      String digits = JsText.integerString(d);
      zip = "0".repeat(5 - digits.length()) + digits;
    } else if (value instanceof String s) {
      zip = JsText.trim(s);
    } else {
      return null;
    }
    return isZip(zip) ? zip : null;
  }

  /** The regular expression \d{5}(-\d{4})?. */
  static boolean isZip(String s) {
    return s.length() == 5 ? digits(s, 0, 5, 5, 5)
        : s.length() == 10 && s.charAt(5) == '-' && digits(s, 0, 5, 5, 5)
            && digits(s, 6, 10, 4, 4);
  }
}
