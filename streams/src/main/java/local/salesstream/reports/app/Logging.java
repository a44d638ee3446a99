package local.salesstream.reports.app;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import java.net.URL;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Sets up logback for every line of the process, Kafka's and its own (Console), before the first
 * one: logback-text.xml (LOG_FORMAT=text, the default: time, level, message) or logback-json.xml
 * (one JSON object per line: time, level, logger, msg and the event's fields), both with the
 * levels of logback-levels.xml. Kafka's own loggers log at REPORTS_LOG_LEVEL; at warn or error
 * a few chatty ones are held to errors and Kafka's retried writes are told once
 * (TransientKafkaWarnings).
 */
final class Logging {
  private Logging() {}

  /**
   * Configures logging from the raw LOG_FORMAT and REPORTS_LOG_LEVEL of the flags and environment,
   * before the settings are checked (a bad value then gives the text form and the default level,
   * and the check after says what is wrong in one line).
   */
  static void configure(String[] args, Map<String, String> env) {
    String format = Settings.logFormatOrNull(Settings.rawValue("LOG_FORMAT", args, env));
    String level = Settings.rawValue("REPORTS_LOG_LEVEL", args, env);
    level = level == null ? "warn" : level.trim().toLowerCase(Locale.ROOT);
    if (!List.of("error", "warn", "info", "debug").contains(level)) level = "warn";
    configure(format == null ? "text" : format, level);
  }

  /** Configures logging: format "text" or "json", Kafka's level error, warn, info or debug. */
  static void configure(String format, String kafkaLevel) {
    boolean quiet = kafkaLevel.equals("warn") || kafkaLevel.equals("error");
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    context.putProperty("KAFKA_LEVEL", kafkaLevel.toUpperCase(Locale.ROOT));
    // The chatty loggers of logback-levels.xml: errors only, unless more is asked for.
    context.putProperty("KAFKA_QUIET_LEVEL", quiet ? "ERROR" : kafkaLevel.toUpperCase(Locale.ROOT));
    context.putProperty("KAFKA_RETRIES_TOLD_ONCE", String.valueOf(quiet));
    URL config = Logging.class.getResource("/logback-" + format + ".xml");
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    try {
      configurator.doConfigure(config);
    } catch (JoranException e) {
      System.err.println("sales-reports: cannot configure logging from " + config + ": "
          + e.getMessage());
    }
  }
}
