package local.salesstream.reports.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** /metrics, /healthz and /readyz over HTTP; nothing else; a busy port; a stalled client. */
class MetricsServerTest {
  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private MetricsServer server;

  @BeforeEach
  void start() throws Exception {
    server = MetricsServer.start("127.0.0.1", 0, () -> "sales_reports_ready 0.0\n", new Health(1));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> call(String method, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.port() + path)).timeout(Duration.ofSeconds(5))
        .method(method, HttpRequest.BodyPublishers.noBody()).build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersTheThreePathsInOneLineOfJsonOrTheTextFormat() throws Exception {
    HttpResponse<String> live = call("GET", "/healthz");
    assertEquals(200, live.statusCode());
    assertEquals("{\"status\":\"live\"}\n", live.body());
    assertEquals("application/json", live.headers().firstValue("content-type").orElse(""));
    HttpResponse<String> ready = call("GET", "/readyz");
    assertEquals(503, ready.statusCode());
    assertEquals("{\"status\":\"not ready\",\"reason\":\"starting: preparing the topics\"}\n",
        ready.body());
    HttpResponse<String> metrics = call("GET", "/metrics?name[]=x");
    assertEquals(200, metrics.statusCode());
    assertEquals("sales_reports_ready 0.0\n", metrics.body());
    assertEquals("text/plain; version=0.0.4; charset=utf-8",
        metrics.headers().firstValue("content-type").orElse(""));
    HttpResponse<String> head = call("HEAD", "/readyz");
    assertEquals(503, head.statusCode());
    assertEquals("", head.body());
  }

  @Test
  void otherPathsAndMethodsAreRefused() throws Exception {
    for (String path : new String[] {"/", "/metrics/", "/readyz/../healthz", "/%00", "/.env"}) {
      HttpResponse<String> r = call("GET", path);
      assertEquals(404, r.statusCode(), path);
      assertEquals("{\"error\":\"not found: /metrics, /healthz or /readyz\"}\n", r.body());
    }
    for (String method : new String[] {"POST", "PUT", "DELETE"}) {
      HttpResponse<String> r = call(method, "/metrics");
      assertEquals(405, r.statusCode(), method);
      assertEquals("GET, HEAD", r.headers().firstValue("allow").orElse(""));
    }
  }

  @Test
  void aBusyPortOrAnUnknownHostIsOneSentenceNamingTheSetting() {
    ConfigException busy = assertThrows(ConfigException.class,
        () -> MetricsServer.start("127.0.0.1", server.port(), () -> "", new Health(1)));
    assertTrue(busy.getMessage().startsWith("REPORTS_METRICS_PORT=" + server.port()
        + " cannot be used on 127.0.0.1 ("), busy.getMessage());
    assertTrue(busy.getMessage().endsWith("give each instance a port of its own, or 0 for none"));
    assertFalse(busy.getMessage().contains("\n"));
    ConfigException host = assertThrows(ConfigException.class,
        () -> MetricsServer.start("no-such-host.invalid", 0, () -> "", new Health(1)));
    assertEquals("REPORTS_METRICS_HOST=no-such-host.invalid is not a known host name",
        host.getMessage());
  }

  @Test
  void aStalledClientHoldsNoAnswerBack() throws Exception {
    try (Socket stalled = new Socket("127.0.0.1", server.port())) {
      OutputStream out = stalled.getOutputStream();
      out.write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      for (int i = 0; i < 3; i++) {
        long started = System.nanoTime();
        assertEquals(200, call("GET", "/healthz").statusCode());
        assertTrue(System.nanoTime() - started < 3_000_000_000L, "answered within 3 s");
      }
    }
  }

  @Test
  void jsonStringsAreEscaped() {
    assertEquals("\"a\\\"b\\\\c\\u000ad\\u2028\"", MetricsServer.quote("a\"b\\c\nd\u2028"));
  }
}
