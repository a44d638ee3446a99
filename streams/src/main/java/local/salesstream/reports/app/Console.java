package local.salesstream.reports.app;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/** This process' own output: one line per event on stdout, errors on stderr, each timestamped. */
final class Console {
  private Console() {}

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

  /** Prints an event line. */
  static void info(String line) {
    System.out.println(LocalTime.now().format(CLOCK) + " " + line);
  }

  /** Prints an error line (prefixed with the program's name). */
  static void error(String line) {
    System.err.println(LocalTime.now().format(CLOCK) + " sales-reports: " + line);
  }

  /** Seconds since this JVM started. */
  static double uptimeSeconds() {
    return java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() / 1000.0;
  }
}
