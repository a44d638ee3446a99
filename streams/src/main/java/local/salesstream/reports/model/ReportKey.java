package local.salesstream.reports.model;

/**
 * The internal key of one report row: the report's name, a NUL, then the row's key (NUL cannot
 * occur in a report key: the fields it comes from reject it).
 */
public final class ReportKey {
  private ReportKey() {}

  /** A change to one report row. */
  public record Change(String key, Sums sums) {}

  /** The internal key of a report row. */
  public static String of(Report report, String key) {
    return report.reportName() + '\0' + key;
  }

  /** A change to the row of that report and key. */
  static Change change(Report report, String key, Sums sums) {
    return new Change(of(report, key), sums);
  }

  /** The report of an internal key. */
  public static Report report(String internalKey) {
    return Report.named(internalKey.substring(0, internalKey.indexOf('\0')));
  }

  /** The row key (as published) of an internal key. */
  public static String key(String internalKey) {
    return internalKey.substring(internalKey.indexOf('\0') + 1);
  }
}
