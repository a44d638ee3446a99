package local.salesstream.reports.app;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * This process' own output, through the logger named "sales-reports" (Logging configures it
 * first): one line per event on stdout, warnings and errors on stderr, each with its time and
 * level; with LOG_FORMAT=json one JSON object per line, with the event's fields.
 */
final class Console {
  private Console() {}

  /** The logger of this process' own lines. */
  static final String LOGGER = "sales-reports";

  private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

  /** Prints an event line; one starting with "warning: " is a warning. */
  static void info(String line) {
    if (line.startsWith("warning: ")) LOG.warn(line);
    else LOG.info(line);
  }

  /**
   * Prints an event line with fields (name, value, name, value, ...; a null value is left out),
   * which the JSON form carries as members of their own; the text form shows the line only, so
   * the line says them in words.
   */
  static void event(String line, Object... fields) {
    LoggingEventBuilder event = LOG.atInfo();
    for (int i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i + 1] != null) {
        event = event.addKeyValue(String.valueOf(fields[i]), fields[i + 1]);
      }
    }
    event.log(line);
  }

  /** Prints an error line. */
  static void error(String line) {
    LOG.error(line);
  }

  /** Seconds since this JVM started. */
  static double uptimeSeconds() {
    return java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
  }
}
