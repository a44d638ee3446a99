package local.salesstream.reports.app;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every setting of the reports process: from a flag, else the environment variable, else the
 * default. The table below is also what --help prints, so it lists every setting there is.
 * Relative paths are taken from the working directory; the default paths are in the project's
 * .local/ folder (the project root being the folder above streams/).
 */
final class Settings {
  /** One setting: its environment variable, its flag, its default (null: none) and what it does. */
  record Def(String env, String flag, String defaultValue, String help) {}

  /** The project root: streams/target/&lt;jar or classes&gt; is three levels below it. */
  static final Path PROJECT_ROOT = projectRoot();

  static final List<Def> DEFS = List.of(
      new Def("KAFKA_BROKERS", "--brokers", "localhost:9092",
          "Kafka bootstrap servers, host:port[,host:port]"),
      new Def("SALES_TOPIC", "--topic", "sales_topic", "topic of sales records"),
      new Def("SALES_PARTITIONS", "--partitions", "6",
          "partitions of the sales topic when this process creates it"),
      new Def("REPORT_TOPIC_PREFIX", "--prefix", "", "prefix of the six report topics"),
      new Def("REPORTS_GROUP", "--reports-group", "sales-reports",
          "application id: the consumer group, and the prefix of the internal topics and"
              + " transactional ids; every instance of one deployment uses the same"),
      new Def("REPORTS_INSTANCE_ID", "--instance-id", null,
          "this instance's static group membership id (unique per instance, stable across"
              + " restarts): a restart within the session timeout resumes its partitions without"
              + " a rebalance; unset: dynamic membership"),
      new Def("REPORTS_INSTANCES", "--instances", "1",
          "instances the deployment runs with this REPORTS_GROUP; 2 or more keep a standby copy"
              + " of each task's state on another instance, so a failover needs no restore"),
      new Def("REPORTS_THREADS", "--threads", "1", "stream threads in this instance"),
      new Def("REPORTS_MEMORY_MB", "--memory-mb", "64",
          "cap on RocksDB's native memory (block cache and write buffers of every store of"
              + " this instance, shared), in MB"),
      new Def("REPORTS_HEAP_MB", "--heap-mb", "256",
          "Java heap in MB; bin/sales-reports passes it to java as -Xms/-Xmx (1/8 of it is the"
              + " record cache that batches report updates)"),
      new Def("REPORTS_DEDUPE_DAYS", "--dedupe-days", "90",
          "days a counted sale id is remembered; a re-delivery of an older sale is counted again"),
      new Def("REPORTS_STATE_DIR", "--state-dir", PROJECT_ROOT.resolve(".local/reports-state")
          .toString(), "folder of this instance's RocksDB state (one per instance)"),
      new Def("REPORTS_REPLICATION_FACTOR", "--replication-factor", "auto",
          "replication factor of the report and internal topics it creates; auto: min(3, brokers)"),
      new Def("REPORTS_COMMIT_MS", "--commit-ms", "1000",
          "commit interval in ms: how often report updates are published (one transaction each)"),
      new Def("REPORTS_SESSION_TIMEOUT_S", "--session-timeout-s", "45",
          "seconds the group waits for a silent instance before moving its partitions"),
      new Def("REPORTS_PROGRESS_S", "--progress-s", "10",
          "seconds between progress lines (state, lag, messages); 0: none"),
      new Def("CARD_HASH_SECRET_FILE", "--secret-file", PROJECT_ROOT.resolve(
          ".local/card-hash-secret").toString(),
          "file of the card-hash secret, read when CARD_HASH_SECRET is not set (environment only)"),
      new Def("KAFKA_CLIENT_PROPERTIES", "--client-properties", null,
          "properties file of extra settings for every Kafka client (security.protocol,"
              + " sasl.mechanism, sasl.jaas.config, ssl.truststore.location, ...)"),
      new Def("REPORTS_EXIT_ON_STDIN_EOF", "--exit-on-stdin-eof", "true",
          "stop when standard input reaches end of file (so a dying parent stops it): true|false"),
      new Def("REPORTS_LOG_LEVEL", "--log-level", "warn",
          "level of Kafka's own log lines on stderr: error, warn, info or debug"),
      new Def("LOG_FORMAT", "--log-format", "text",
          "text: one line per event with its time and level; json: one JSON object per line"
              + " (time, level, logger, msg and the event's fields)"),
      new Def("REPORTS_METRICS_PORT", "--reports-metrics-port", "9465",
          "port of /metrics (Prometheus text format), /healthz and /readyz; 0: none. A second"
              + " instance on the same host needs a port of its own (a busy port stops it,"
              + " exit 2)"),
      new Def("REPORTS_METRICS_HOST", "--reports-metrics-host", "127.0.0.1",
          "address /metrics, /healthz and /readyz listen on (0.0.0.0 or :: for every"
              + " interface)"));

  private static final Pattern LISTEN_HOST =
      Pattern.compile("[\\w.-]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*");
  private static final Pattern BROKER = Pattern.compile("[^:\\s,]+:\\d{1,5}");
  private static final Pattern TOPIC_CHARS = Pattern.compile("[a-zA-Z0-9._-]*");

  final List<String> brokers;
  final String salesTopic;
  final int salesPartitions;
  final String prefix;
  final String applicationId;
  /** null: dynamic membership */
  final String instanceId;
  final int instances;
  final int threads;
  final int memoryMb;
  final int heapMb;
  final Duration dedupeRetention;
  final Path stateDir;
  /** null: min(3, brokers) */
  final Integer replicationFactor;
  final int commitMs;
  final int sessionTimeoutSeconds;
  final int progressSeconds;
  final Path secretFile;
  /** null: none */
  final Path clientProperties;
  final boolean exitOnStdinEof;
  final String logLevel;
  /** "text" or "json" */
  final String logFormat;
  /** 0: no metrics server */
  final int metricsPort;
  final String metricsHost;

  private Settings(Map<String, String> v) throws ConfigException {
    brokers = new ArrayList<>();
    for (String b : v.get("KAFKA_BROKERS").split(",")) {
      if (b.isBlank()) continue;
      if (!BROKER.matcher(b.trim()).matches()) {
        throw new ConfigException("KAFKA_BROKERS has \"" + b.trim()
            + "\"; expected host:port[,host:port]");
      }
      brokers.add(b.trim());
    }
    if (brokers.isEmpty()) throw new ConfigException("KAFKA_BROKERS is empty; give host:port");
    salesTopic = topicName("SALES_TOPIC", v.get("SALES_TOPIC"), false);
    salesPartitions = positive("SALES_PARTITIONS", v);
    prefix = topicName("REPORT_TOPIC_PREFIX", v.get("REPORT_TOPIC_PREFIX"), true);
    applicationId = topicName("REPORTS_GROUP", v.get("REPORTS_GROUP"), false);
    String instance = v.get("REPORTS_INSTANCE_ID");
    instanceId = instance == null || instance.isBlank() ? null : instance.trim();
    instances = positive("REPORTS_INSTANCES", v);
    threads = positive("REPORTS_THREADS", v);
    memoryMb = atLeast("REPORTS_MEMORY_MB", v, 16);
    heapMb = atLeast("REPORTS_HEAP_MB", v, 96);
    dedupeRetention = Duration.ofDays(positive("REPORTS_DEDUPE_DAYS", v));
    stateDir = Path.of(v.get("REPORTS_STATE_DIR")).toAbsolutePath();
    String rf = v.get("REPORTS_REPLICATION_FACTOR");
    replicationFactor = rf.equals("auto") ? null : positive("REPORTS_REPLICATION_FACTOR", v);
    commitMs = positive("REPORTS_COMMIT_MS", v);
    sessionTimeoutSeconds = atLeast("REPORTS_SESSION_TIMEOUT_S", v, 6);
    progressSeconds = atLeast("REPORTS_PROGRESS_S", v, 0);
    secretFile = Path.of(v.get("CARD_HASH_SECRET_FILE")).toAbsolutePath();
    String properties = v.get("KAFKA_CLIENT_PROPERTIES");
    clientProperties = properties == null || properties.isBlank() ? null
        : Path.of(properties).toAbsolutePath();
    exitOnStdinEof = bool("REPORTS_EXIT_ON_STDIN_EOF", v.get("REPORTS_EXIT_ON_STDIN_EOF"));
    logLevel = v.get("REPORTS_LOG_LEVEL").toLowerCase(Locale.ROOT);
    if (!List.of("error", "warn", "info", "debug").contains(logLevel)) {
      throw new ConfigException("REPORTS_LOG_LEVEL must be error, warn, info or debug, got \""
          + logLevel + "\"");
    }
    logFormat = logFormat(v.get("LOG_FORMAT"));
    metricsPort = port("REPORTS_METRICS_PORT", v.get("REPORTS_METRICS_PORT"));
    metricsHost = v.get("REPORTS_METRICS_HOST").trim();
    if (!LISTEN_HOST.matcher(metricsHost).matches()) {
      throw new ConfigException("REPORTS_METRICS_HOST must be a host name or an IP address like"
          + " 127.0.0.1 or ::, got \"" + shorten(metricsHost) + "\"");
    }
  }

  /** LOG_FORMAT's value: "text" or "json" in any case, else null. */
  static String logFormatOrNull(String value) {
    if (value == null) return null;
    String format = value.trim().toLowerCase(Locale.ROOT);
    return format.equals("text") || format.equals("json") ? format : null;
  }

  private static String logFormat(String value) throws ConfigException {
    String format = logFormatOrNull(value);
    if (format == null) {
      throw new ConfigException("LOG_FORMAT takes text or json, got \"" + shorten(value) + "\"");
    }
    return format;
  }

  private static int port(String name, String value) throws ConfigException {
    String text = value.trim();
    int port = text.matches("\\d{1,5}") ? Integer.parseInt(text) : -1;
    if (port < 0 || port > 65535) {
      throw new ConfigException(name + " must be a port from 1 to 65535, or 0 for none, got \""
          + shorten(value) + "\"");
    }
    return port;
  }

  /** A given value as an error message shows it: at most 60 characters, on one line. */
  private static String shorten(String value) {
    String shown = value.length() > 60 ? value.substring(0, 60) : value;
    return shown.replaceAll("\\p{Cntrl}", "?");
  }

  /** True when the arguments ask for the help text. */
  static boolean wantsHelp(String[] args) {
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h")) return true;
    }
    return false;
  }

  /**
   * One setting's text as given (its flag's last value, else its variable, else its default),
   * unchecked: for what must be set up before the settings are checked (logging).
   */
  static String rawValue(String env, String[] args, Map<String, String> environment) {
    Def def = DEFS.stream().filter(d -> d.env().equals(env)).findFirst().orElseThrow();
    String value = environment.get(env) != null ? environment.get(env) : def.defaultValue();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals(def.flag()) && i + 1 < args.length) value = args[++i];
      else if (args[i].startsWith(def.flag() + "=")) {
        value = args[i].substring(def.flag().length() + 1);
      }
    }
    return value;
  }

  /** The settings from flags (--flag value or --flag=value) over environment over defaults. */
  static Settings parse(String[] args, Map<String, String> env) throws ConfigException {
    Map<String, String> values = new LinkedHashMap<>();
    for (Def d : DEFS) {
      String fromEnv = env.get(d.env());
      values.put(d.env(), fromEnv != null ? fromEnv : d.defaultValue());
    }
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String flag = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        flag = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      Def def = null;
      for (Def d : DEFS) {
        if (d.flag().equals(flag)) def = d;
      }
      if (def == null) throw new ConfigException("unknown argument \"" + arg + "\"; see --help");
      if (value == null) {
        if (i + 1 >= args.length) throw new ConfigException(flag + " needs a value; see --help");
        value = args[++i];
      }
      values.put(def.env(), value);
    }
    return new Settings(values);
  }

  /** The usage text: every setting with its flag, default and meaning. */
  static String help() {
    StringBuilder out = new StringBuilder();
    out.append("Usage: bin/sales-reports [--flag value ...]\n\n")
        .append("Keeps the six sales reports (total_sales_summary, sales_by_category,"
            + " sales_by_state,\nsales_by_city, customer_insights, credit_card_usage) on"
            + " compacted topics with Kafka\nStreams, exactly once. Run more instances with the"
            + " same REPORTS_GROUP to share the work.\n\n")
        .append("Settings (environment variable, flag, default):\n");
    for (Def d : DEFS) {
      String def = d.defaultValue() == null ? "none" : d.defaultValue().isEmpty() ? "\"\""
          : d.defaultValue();
      out.append(String.format("  %-27s %-22s default %s%n", d.env(), d.flag(), def));
      out.append(wrap(d.help(), "      ")).append('\n');
    }
    out.append("  CARD_HASH_SECRET            (environment only)     the card-hash secret itself\n")
        .append("      (never a flag: command lines are visible to other users)\n\n")
        .append("Stops cleanly on SIGTERM or SIGINT (and at the end of standard input)."
            + " Exit status:\n"
            + "  0 stopped at the end of standard input, 143/130 stopped by SIGTERM/SIGINT,\n"
            + "  1 failed (Kafka unreachable, a stream thread died: starting again may work),\n"
            + "  2 bad settings, or the cluster refused the setup (fix first),\n"
            + "  3 out of heap (-XX:+ExitOnOutOfMemoryError; raise REPORTS_HEAP_MB).\n");
    return out.toString();
  }

  private static String wrap(String text, String indent) {
    StringBuilder out = new StringBuilder(indent);
    int column = indent.length();
    for (String word : text.split(" ")) {
      if (column + word.length() + 1 > 96 && column > indent.length()) {
        out.append('\n').append(indent);
        column = indent.length();
      } else if (column > indent.length()) {
        out.append(' ');
        column++;
      }
      out.append(word);
      column += word.length();
    }
    return out.toString();
  }

  private static String topicName(String name, String value, boolean mayBeEmpty)
      throws ConfigException {
    String v = value.trim();
    if (v.isEmpty() && !mayBeEmpty) {
      throw new ConfigException(name + " is empty; unset it or give a value");
    }
    if (!TOPIC_CHARS.matcher(v).matches() || v.length() > 200) {
      throw new ConfigException(name + " must be letters, digits, '.', '_' or '-' (a Kafka topic"
          + " name part), got \"" + value + "\"");
    }
    return v;
  }

  private static int positive(String name, Map<String, String> v) throws ConfigException {
    return atLeast(name, v, 1);
  }

  private static int atLeast(String name, Map<String, String> v, int min) throws ConfigException {
    String text = v.get(name).trim();
    int n;
    try {
      n = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new ConfigException(name + " must be a whole number, got \"" + text + "\"");
    }
    if (n < min) throw new ConfigException(name + " must be at least " + min + ", got " + n);
    return n;
  }

  private static boolean bool(String name, String value) throws ConfigException {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new ConfigException(name + " must be true or false, got \"" + value + "\"");
    };
  }

  private static Path projectRoot() {
    try {
      Path code =
          Path.of(Settings.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path root = code.getParent().getParent().getParent();
      return root != null ? root : Path.of("").toAbsolutePath();
    } catch (Exception e) {
      return Path.of("").toAbsolutePath();
    }
  }
}
