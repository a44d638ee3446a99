package local.salesstream.reports.model;

import java.math.BigInteger;
import local.salesstream.reports.decode.JsonBytes;

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
   * The published JSON value of a row (UTF-8), field for field as the readers expect it: the
   * row's labels (its key's parts; for customers the key and the masked email), then its figures.
   */
  public byte[] json(String key, Sums s) {
    return JsonBytes.write(out -> {
      out.writeStartObject();
      switch (this) {
        case TOTAL -> { }
        case CATEGORY -> out.writeStringField("category", key);
        case STATE -> out.writeStringField("state", key);
        case CITY -> {
          // "ST/City": the state code has two letters, the city may hold slashes itself.
          out.writeStringField("state", key.substring(0, 2));
          out.writeStringField("city", key.substring(3));
        }
        case CUSTOMER -> {
          out.writeStringField("customer_key", key);
          out.writeStringField("customer", s.label());
        }
        case CARD -> out.writeStringField("card_company", key);
      }
      switch (this) {
        case CUSTOMER -> {
          out.writeNumberField("purchases", s.count());
          out.writeStringField("total_spent", centsToDecimal(s.revenue()));
          out.writeStringField("average_purchase",
              centsToDecimal(divideRounded(s.revenue(), s.count())));
        }
        case CARD -> {
          out.writeNumberField("sales_count", s.count());
          out.writeStringField("amount", centsToDecimal(s.revenue()));
        }
        default -> {
          out.writeNumberField("sales_count", s.count());
          out.writeStringField("revenue", centsToDecimal(s.revenue()));
          out.writeStringField("cost", centsToDecimal(s.cost()));
          out.writeStringField("profit", centsToDecimal(s.revenue().subtract(s.cost())));
          if (this == TOTAL) {
            out.writeNumberField("rejected", s.rejected());
            out.writeNumberField("duplicates", s.duplicates());
          }
        }
      }
      out.writeEndObject();
    });
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
}
