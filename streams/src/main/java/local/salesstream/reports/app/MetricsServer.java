package local.salesstream.reports.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The HTTP side of operations on REPORTS_METRICS_HOST:REPORTS_METRICS_PORT, served by the JDK's
 * HTTP server: GET /metrics (Prometheus text format), /healthz and /readyz (200 or 503 with one
 * line of JSON: {"status":"live"}, {"status":"ready"}, or the status and the reason why not).
 * Nothing else: other paths 404, other methods 405. No token (it listens on 127.0.0.1 unless told
 * otherwise) and no sales data, only counts. A request must arrive and be answered within 10 s.
 */
final class MetricsServer implements AutoCloseable {
  /** Seconds a request may take to arrive, and its answer to be sent (the JDK server's timers). */
  static final int REQUEST_SECONDS = 10;

  private final HttpServer server;
  private final ExecutorService workers;

  private MetricsServer(HttpServer server, ExecutorService workers) {
    this.server = server;
    this.workers = workers;
  }

  /**
   * Listens on host:port (port 0 is not "off" here: the caller does not start a server then).
   * Throws ConfigException with one sentence when the port is in use or the host is not an
   * address of this machine.
   */
  static MetricsServer start(String host, int port, Supplier<String> metrics, Health health)
      throws ConfigException {
    // Read once by the JDK's server when its first instance is made: closes a connection whose
    // request or answer takes longer (a slow or stalled client holds no worker for long).
    System.setProperty("sun.net.httpserver.maxReqTime", String.valueOf(REQUEST_SECONDS));
    System.setProperty("sun.net.httpserver.maxRspTime", String.valueOf(REQUEST_SECONDS));
    InetSocketAddress address = new InetSocketAddress(host, port);
    if (address.isUnresolved()) {
      throw new ConfigException("REPORTS_METRICS_HOST=" + host + " is not a known host name");
    }
    HttpServer server;
    try {
      server = HttpServer.create(address, 16);
    } catch (BindException e) {
      throw new ConfigException("REPORTS_METRICS_PORT=" + port + " cannot be used on " + host
          + " (" + e.getMessage() + "): another process, or another instance, listens there;"
          + " give each instance a port of its own, or 0 for none");
    } catch (IOException e) {
      throw new ConfigException("cannot listen on " + host + ":" + port + " for /metrics ("
          + e.getMessage() + "); set REPORTS_METRICS_HOST and REPORTS_METRICS_PORT, or"
          + " REPORTS_METRICS_PORT=0 for none");
    }
    AtomicInteger n = new AtomicInteger();
    ExecutorService workers = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "sales-reports-metrics-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(workers);
    server.createContext("/", exchange -> answer(exchange, metrics, health));
    server.start();
    return new MetricsServer(server, workers);
  }

  /** The port it listens on. */
  int port() {
    return server.getAddress().getPort();
  }

  private static void answer(HttpExchange exchange, Supplier<String> metrics, Health health)
      throws IOException {
    try {
      String method = exchange.getRequestMethod();
      boolean head = method.equals("HEAD");
      if (!method.equals("GET") && !head) {
        exchange.getResponseHeaders().set("Allow", "GET, HEAD");
        send(exchange, 405, "application/json", json("error", "only GET"), head);
        return;
      }
      switch (exchange.getRequestURI().getPath()) {
        case "/metrics" -> send(exchange, 200, ReportsMetrics.contentType(), metrics.get(), head);
        case "/healthz" -> send(exchange, health.live(), "live", head);
        case "/readyz" -> send(exchange, health.ready(), "ready", head);
        default -> send(exchange, 404, "application/json",
            json("error", "not found: /metrics, /healthz or /readyz"), head);
      }
    } catch (RuntimeException e) {
      // An answer that failed to be made (a metric that failed): the client sees the connection
      // close; the next scrape tries again.
    } finally {
      exchange.close();
    }
  }

  private static void send(HttpExchange exchange, Health.Answer answer, String okStatus,
      boolean head) throws IOException {
    String body = answer.ok() ? "{\"status\":\"" + okStatus + "\"}"
        : "{\"status\":\"not " + okStatus + "\",\"reason\":" + quote(answer.reason()) + "}";
    send(exchange, answer.ok() ? 200 : 503, "application/json", body, head);
  }

  private static void send(HttpExchange exchange, int status, String type, String body,
      boolean head) throws IOException {
    byte[] bytes = (body.endsWith("\n") ? body : body + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
    if (!head) {
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    }
  }

  private static String json(String name, String value) {
    return "{" + quote(name) + ":" + quote(value) + "}";
  }

  /** A JSON string of `text`: quotes, backslashes and control characters escaped. */
  static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x2028 || c == 0x2029) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  @Override
  public void close() {
    server.stop(0);
    workers.shutdownNow();
  }
}
