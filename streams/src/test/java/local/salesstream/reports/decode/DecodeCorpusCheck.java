package local.salesstream.reports.decode;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import local.salesstream.reports.model.Report;

/**
 * Holds SaleDecoder to the TypeScript decode(): every line of a corpus written by
 * tools/decode_corpus.ts from the project's own decode() must get the same verdict, the same
 * normalised sale, customer key, content hash and masked email.
 * tests/streams/decode_corpus_test.ts writes the corpus and runs this check, a test tool compiled
 * with the module's tests (so it is not in the jar):
 *
 * <pre>
 *   java -cp target/test-classes:target/sales-reports.jar \
 *       local.salesstream.reports.decode.DecodeCorpusCheck FILE
 * </pre>
 *
 * <p>Prints "N lines agree (M valid sales)" and exits 0, or the first disagreements and exits 1.
 */
public final class DecodeCorpusCheck {
  private DecodeCorpusCheck() {}

  /** Reads the corpus lines (JSON objects; numbers as Integer, Long or Double). */
  private static final ObjectMapper CORPUS = new ObjectMapper();

  /** tools/decode_corpus.ts' CORPUS_SECRET (a test key, never a deployment's). */
  static final String CORPUS_SECRET = "decode-corpus-test-secret-not-for-deployment";

  /** What checking a corpus found. */
  record Outcome(int lines, int accepted, List<String> disagreements) {}

  /** Checks the corpus file FILE; see the class comment. */
  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("Usage: java -cp target/test-classes:target/sales-reports.jar "
          + DecodeCorpusCheck.class.getName() + " CORPUS.ndjson");
      System.exit(2);
    }
    Outcome outcome;
    try (BufferedReader in = Files.newBufferedReader(Path.of(args[0]), StandardCharsets.UTF_8)) {
      outcome = check(in);
    }
    if (outcome.disagreements().isEmpty()) {
      System.out.println(outcome.lines() + " lines agree (" + outcome.accepted()
          + " valid sales)");
      return;
    }
    outcome.disagreements().stream().limit(20).forEach(System.out::println);
    System.out.println(outcome.disagreements().size() + " of " + outcome.lines()
        + " lines disagree");
    System.exit(1);
  }

  /** Checks every line of a corpus. */
  static Outcome check(BufferedReader in) throws IOException {
    Hashing hashing = new Hashing(CORPUS_SECRET);
    List<String> disagreements = new ArrayList<>();
    int lines = 0;
    int accepted = 0;
    String row;
    while ((row = in.readLine()) != null) {
      if (row.isEmpty()) continue;
      lines++;
      String problem;
      try {
        Map<?, ?> line = CORPUS.readValue(row, Map.class);
        SaleDecoder.Result result = SaleDecoder.decode(valueOf(line));
        String expect = (String) line.get("expect");
        String got = result instanceof SaleDecoder.Rejected r ? r.code() : "ok";
        problem = null;
        if (!expect.equals(got)) {
          problem = "expected " + expect + ", Java says " + got;
        } else if (result instanceof SaleDecoder.Accepted a) {
          accepted++;
          problem = compare((Map<?, ?>) line.get("sale"), a.sale(), line, hashing);
        }
      } catch (JsonProcessingException | RuntimeException e) {
        problem = "unreadable corpus line (" + e.getMessage() + ")";
      }
      if (problem != null) {
        disagreements.add("line " + lines + ": " + problem + ": " + abbreviate(row));
      }
    }
    return new Outcome(lines, accepted, disagreements);
  }

  private static String compare(Map<?, ?> expected, Sale sale, Map<?, ?> line, Hashing hashing) {
    Map<String, Object> got = fields(sale);
    for (Map.Entry<?, ?> e : expected.entrySet()) {
      Object want = e.getValue() instanceof Double d ? (Object) d.longValue() : e.getValue();
      Object have = got.get(e.getKey());
      if (!String.valueOf(want).equals(String.valueOf(have))) {
        return e.getKey() + " is " + quoted(have) + ", expected " + quoted(want);
      }
    }
    if (expected.size() != got.size()) return "the sale has other fields";
    if (!line.get("customer_key").equals(hashing.customerKey(sale.email()))) return "customer key";
    if (!line.get("content_hash").equals(hashing.contentHash(sale))) return "content hash";
    if (!line.get("masked_email").equals(Report.maskEmail(sale.email()))) return "masked email";
    return null;
  }

  private static Map<String, Object> fields(Sale s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("saleId", s.saleId());
    m.put("firstName", s.firstName());
    m.put("lastName", s.lastName());
    m.put("email", s.email());
    m.put("jobTitle", s.jobTitle());
    m.put("cardCompany", s.cardCompany());
    m.put("cardNumber", s.cardNumber());
    m.put("cardExpMonth", (long) s.cardExpMonth());
    m.put("cardExpYear", (long) s.cardExpYear());
    m.put("category", s.category());
    m.put("productName", s.productName());
    m.put("salePriceCents", s.salePriceCents());
    m.put("costPriceCents", s.costPriceCents());
    m.put("street", s.street());
    m.put("city", s.city());
    m.put("state", s.state());
    m.put("zipcode", s.zipcode());
    return m;
  }

  private static byte[] valueOf(Map<?, ?> line) {
    if (line.containsKey("value_base64")) {
      return Base64.getDecoder().decode((String) line.get("value_base64"));
    }
    Object value = line.get("value");
    return value == null ? null : ((String) value).getBytes(StandardCharsets.UTF_8);
  }

  private static String quoted(Object value) {
    return new String(JsonBytes.write(out -> out.writeString(String.valueOf(value))),
        StandardCharsets.UTF_8);
  }

  private static String abbreviate(String row) {
    return row.length() > 300 ? row.substring(0, 300) + "..." : row;
  }
}
