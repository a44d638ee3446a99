package local.salesstream.reports.decode;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

  private static final String S = JsText.WHITESPACE_CLASS + "*";
  private static final Pattern SALE_ID = Pattern.compile("[\\w.:-]+");
  /** zod 4's z.regexes.email. */
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
        || !(email instanceof String e) || !fits(e, MAX_EMAIL) || !EMAIL.matcher(e).matches()
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
      return isText(s, MAX_SALE_ID) && SALE_ID.matcher(s).matches() ? s : null;
    }
    if (value instanceof Double d && JsText.isSafeInteger(d) && d >= 0) {
      return JsText.integerString(d);
    }
    return null;
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
      Matcher m = DECIMAL.matcher(s);
      if (!m.matches()) return -1;
      String fraction = m.group(2) == null ? "00" : (m.group(2) + "0").substring(0, 2);
      long cents = Long.parseLong(m.group(1)) * 100 + Long.parseLong(fraction);
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
      digits = CARD_TEXT.matcher(s).matches() ? s.replace(" ", "").replace("-", "") : "";
    } else {
      return null;
    }
    return CARD_DIGITS.matcher(digits).matches() ? digits : null;
  }

  /** {month, year} of an expiry written MM/YY, MM/YYYY or YYYY-MM; else null. */
  static int[] parseExpiry(String value) {
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
    return ZIP.matcher(zip).matches() ? zip : null;
  }
}
