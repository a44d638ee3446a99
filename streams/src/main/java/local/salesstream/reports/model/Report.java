package local.salesstream.reports.model;

import java.math.BigInteger;
import local.salesstream.reports.decode.JsText;

/**
 * The six reports, their topics and the JSON value each publishes per key: the names, keys and
 * values the project's readers of the topics expect (lib/reports/read.ts, the /kafka page and
 * GET /api/reports), unchanged from the TypeScript process this module replaced.
 */
public enum Report {
  TOTAL("total_sales_summary"),
  CATEGORY("sales_by_category"),
  STATE("sales_by_state"),
  CITY("sales_by_city"),
  CUSTOMER("customer_insights"),
  CARD("credit_card_usage");

  /** The only key of total_sales_summary. */
  public static final String TOTAL_KEY = "total";

  private final String topicName;

  Report(String topicName) {
    this.topicName = topicName;
  }

  /** The topic of this report under the prefix (REPORT_TOPIC_PREFIX). */
  public String topic(String prefix) {
    return prefix + topicName;
  }

  /** The report's name, as the unprefixed topic. */
  String reportName() {
    return topicName;
  }

  /**
   * True for reports whose rows many sales share (all but customer_insights): their changes are
   * summed per partition before they travel (see PartialSumStep).
   */
  public boolean preAggregated() {
    return this != CUSTOMER;
  }

  /** The report named so, or null. */
  static Report named(String name) {
    for (Report r : values()) {
      if (r.topicName.equals(name)) return r;
    }
    return null;
  }

  /**
   * The published JSON value of a row, field for field as the readers expect it: the row's labels
   * (its key's parts; for customers the key and the masked email), then its figures.
   */
  public String json(String key, Sums s) {
    StringBuilder out = new StringBuilder(160).append('{');
    switch (this) {
      case TOTAL -> { }
      case CATEGORY -> label(out, "category", key);
      case STATE -> label(out, "state", key);
      case CITY -> {
        // "ST/City": the state code has two letters, the city may hold slashes itself.
        label(out, "state", key.substring(0, 2));
        label(out, "city", key.substring(3));
      }
      case CUSTOMER -> {
        label(out, "customer_key", key);
        label(out, "customer", s.label());
      }
      case CARD -> label(out, "card_company", key);
    }
    switch (this) {
      case CUSTOMER -> {
        number(out, "purchases", s.count());
        money(out, "total_spent", s.revenue());
        money(out, "average_purchase", divideRounded(s.revenue(), s.count()));
      }
      case CARD -> {
        number(out, "sales_count", s.count());
        money(out, "amount", s.revenue());
      }
      default -> {
        number(out, "sales_count", s.count());
        money(out, "revenue", s.revenue());
        money(out, "cost", s.cost());
        money(out, "profit", s.revenue().subtract(s.cost()));
        if (this == TOTAL) {
          number(out, "rejected", s.rejected());
          number(out, "duplicates", s.duplicates());
        }
      }
    }
    return out.append('}').toString();
  }

  /** Cents as a decimal string with two places ("1234.05", "-0.50"), as money.ts writes them. */
  static String centsToDecimal(BigInteger cents) {
    BigInteger abs = cents.abs();
    BigInteger[] qr = abs.divideAndRemainder(BigInteger.valueOf(100));
    int rest = qr[1].intValue();
    return (cents.signum() < 0 ? "-" : "") + qr[0] + (rest < 10 ? ".0" : ".") + rest;
  }

  /** total / count in cents, halves rounded away from zero (money.ts' divideRounded); 0 for 0. */
  static BigInteger divideRounded(BigInteger total, long count) {
    if (count == 0) return BigInteger.ZERO;
    BigInteger d = BigInteger.valueOf(count).abs();
    BigInteger q = total.abs().shiftLeft(1).add(d).divide(d.shiftLeft(1));
    return (total.signum() < 0) != (count < 0) ? q.negate() : q;
  }

  /** An email for display: first character, stars, then the domain (redact.ts' maskEmail). */
  public static String maskEmail(String email) {
    int at = email.lastIndexOf('@');
    if (at <= 0) return "***";
    return email.charAt(0) + "***" + email.substring(at);
  }

  private static void label(StringBuilder out, String name, String value) {
    if (out.length() > 1) out.append(',');
    out.append('"').append(name).append("\":");
    JsText.appendJsonString(out, value);
  }

  private static void number(StringBuilder out, String name, long value) {
    if (out.length() > 1) out.append(',');
    out.append('"').append(name).append("\":").append(value);
  }

  private static void money(StringBuilder out, String name, BigInteger cents) {
    if (out.length() > 1) out.append(',');
    out.append('"').append(name).append("\":\"").append(centsToDecimal(cents)).append('"');
  }
}
