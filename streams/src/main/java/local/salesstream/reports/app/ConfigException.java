package local.salesstream.reports.app;

/** A setting is missing or malformed; the message is one line that names it. */
final class ConfigException extends Exception {
  private static final long serialVersionUID = 1L;

  /** A one-line explanation for the operator. */
  ConfigException(String message) {
    super(message, null, false, false);
  }
}
