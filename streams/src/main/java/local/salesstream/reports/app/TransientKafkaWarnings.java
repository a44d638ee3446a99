package local.salesstream.reports.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;
import org.slf4j.helpers.MessageFormatter;

/**
 * Kafka's warnings about states that are normal and pass by themselves, told once as information
 * instead of once per batch: a write the broker asked the producer to retry (a transaction still
 * completing, a partition or its leader still starting, the batches behind a retried one), which
 * the producer retries by itself. A first start on a fresh broker gives dozens of them. A write
 * that fails for good still fails the stream thread, which the process says in one line; Kafka's
 * producer metrics (kafka_producer_record_retry_total) count every retry. Logback instantiates
 * this class by name (logback-levels.xml), hence public; inactive when REPORTS_LOG_LEVEL is info
 * or debug.
 */
public final class TransientKafkaWarnings extends TurboFilter {
  /** The producer's "Got error produce response ..., retrying (N attempts left). Error: E". */
  static final String SENDER = "org.apache.kafka.clients.producer.internals.Sender";

  private static final Pattern RETRIED = Pattern.compile(
      "Got error produce response .*retrying \\(.*\\)\\. Error: ([A-Z][A-Z_]+)");

  private final Set<String> told = ConcurrentHashMap.newKeySet();
  private boolean active = true;

  /** Whether the filter acts (logback sets it from the configuration). */
  public void setActive(boolean active) {
    this.active = active;
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format,
      Object[] params, Throwable t) {
    if (!active || level != Level.WARN || format == null || !logger.getName().equals(SENDER)) {
      return FilterReply.NEUTRAL;
    }
    String error = retriedError(format, params);
    if (error == null) return FilterReply.NEUTRAL;
    if (told.add(error)) {
      org.slf4j.Logger notes = getContext() instanceof LoggerContext context
          ? context.getLogger(Console.LOGGER) : LoggerFactory.getLogger(Console.LOGGER);
      notes.atInfo().addKeyValue("kafka_error", error)
          .log("Kafka asked for a write to be retried (" + error + "): normal while a broker,"
              + " a partition or a transaction is starting or completing; the producer retries by"
              + " itself (told once per error; kafka_producer_record_retry_total counts them)");
    }
    return FilterReply.DENY;
  }

  /**
   * The error of a retried write ("CONCURRENT_TRANSACTIONS"), from the producer's warning; null
   * for any other line. Kafka's clients format the line themselves and put the client's name in
   * front ("[Producer clientId=...] Got error ..."), so it usually comes without parameters.
   */
  static String retriedError(String format, Object[] params) {
    if (!format.contains("Got error produce response")) return null;
    String text = params == null || params.length == 0 ? format
        : MessageFormatter.arrayFormat(format, params).getMessage();
    Matcher error = RETRIED.matcher(text);
    return error.find() ? error.group(1) : null;
  }
}
