package local.salesstream.reports.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads a message's JSON text with Jackson's streaming parser, accepting exactly what
 * JavaScript's JSON.parse accepts (Jackson's defaults are strict JSON: no comments, NaN, leading
 * zeros, single quotes or unescaped control characters, only space, tab, LF and CR as
 * whitespace), and keeps of a top-level object only the fields a sale is made of. Values are as
 * JSON.parse gives them: strings, numbers as doubles (1e400 is Infinity, 9007199254740993
 * rounds), a repeated name keeps its last value; any other value (null, a boolean, an object,
 * an array) is {@link #OTHER}, which no field accepts. Everything is read, skipped values too,
 * so a syntax error anywhere makes the message not JSON; nesting depth and the lengths of names,
 * strings and numbers are limited only by the message size, as in JavaScript.
 */
final class JsonRecord {
  private JsonRecord() {}

  /** A value that is neither a string nor a number. */
  static final Object OTHER = new Object() {
    @Override
    public String toString() {
      return "a value that is neither a string nor a number";
    }
  };

  /** The text is not JSON (a sentence with the position; never the text itself). */
  static final class NotJsonException extends Exception {
    private static final long serialVersionUID = 1L;

    NotJsonException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * What the text holds: a top-level object's wanted fields (by their index in the wanted
   * names; null where absent), or the kind of another value.
   */
  record Parsed(Object[] fields, String kind) {
    /** True when the text is a JSON object. */
    boolean isObject() {
      return fields != null;
    }
  }

  /** The names a caller keeps, each with its index in {@link Parsed#fields}. */
  static final class Wanted {
    private final Map<String, Integer> index = new HashMap<>();

    /** The names, in the order of their indexes. */
    Wanted(String... names) {
      for (String name : names) index.put(name, index.size());
    }

    int size() {
      return index.size();
    }
  }

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .streamReadConstraints(StreamReadConstraints.builder()
          .maxNestingDepth(Integer.MAX_VALUE)
          .maxNumberLength(Integer.MAX_VALUE)
          .maxNameLength(Integer.MAX_VALUE)
          .maxStringLength(Integer.MAX_VALUE)
          .build())
      .build();

  /** Parses one JSON text, keeping the wanted top-level fields of an object. */
  static Parsed parse(String text, Wanted wanted) throws NotJsonException {
    try (JsonParser p = FACTORY.createParser(text)) {
      return parse(p, wanted);
    } catch (IOException e) {
      throw notJson(e);
    }
  }

  /**
   * Parses one JSON text from well-formed UTF-8 bytes (from offset on, a byte order mark already
   * skipped), without a String of it: Jackson reads the bytes. Jackson guesses the encoding from
   * the first four bytes (a NUL among them means UTF-16 or UTF-32 to it, a byte order mark is
   * skipped), where JSON.parse sees a NUL or a second mark as a syntax error: such a text goes
   * through {@link #parse(String, Wanted)} instead, which reads characters as JavaScript does.
   */
  static Parsed parse(byte[] utf8, int offset, Wanted wanted) throws NotJsonException {
    int length = utf8.length - offset;
    boolean guessed = length >= 3 && utf8[offset] == (byte) 0xEF
        && utf8[offset + 1] == (byte) 0xBB && utf8[offset + 2] == (byte) 0xBF;
    for (int i = offset; i < offset + Math.min(4, length); i++) guessed |= utf8[i] == 0;
    if (guessed) {
      return parse(new String(utf8, offset, length, StandardCharsets.UTF_8), wanted);
    }
    try (JsonParser p = FACTORY.createParser(utf8, offset, length)) {
      return parse(p, wanted);
    } catch (IOException e) {
      throw notJson(e);
    }
  }

  private static Parsed parse(JsonParser p, Wanted wanted) throws IOException, NotJsonException {
    JsonToken first = p.nextToken();
    if (first == null) throw new NotJsonException("unexpected end of JSON input");
    Parsed parsed;
    if (first == JsonToken.START_OBJECT) {
      Object[] fields = new Object[wanted.size()];
      for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
        JsonToken token = p.nextToken();
        Integer index = wanted.index.get(name);
        if (index != null) {
          fields[index] = scalar(p, token);
        } else {
          p.skipChildren();
        }
      }
      parsed = new Parsed(fields, "object");
    } else {
      String kind = switch (first) {
        case START_ARRAY -> "an array";
        case VALUE_STRING -> "string";
        case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
        case VALUE_NULL -> "null";
        default -> "boolean";
      };
      p.skipChildren();
      parsed = new Parsed(null, kind);
    }
    if (p.nextToken() != null) throw new NotJsonException("unexpected text after the JSON value");
    return parsed;
  }

  private static NotJsonException notJson(IOException e) {
    if (e instanceof JsonProcessingException j) {
      // Jackson's message may quote the input: only the position goes on (characters of a
      // text, bytes of a byte source).
      long at = j.getLocation() == null ? -1 : j.getLocation().getCharOffset();
      if (at < 0 && j.getLocation() != null) at = j.getLocation().getByteOffset();
      return new NotJsonException("syntax error at offset " + (at < 0 ? "?" : at));
    }
    return new NotJsonException("unreadable: " + e.getClass().getSimpleName());
  }

  /** The current value as JSON.parse gives it: a String, a Double, or OTHER (skipped). */
  private static Object scalar(JsonParser p, JsonToken token) throws IOException {
    switch (token) {
      case VALUE_STRING -> {
        return p.getText();
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        // JavaScript and Java both round decimal text to the nearest double.
        return Double.parseDouble(p.getText());
      }
      default -> {
        p.skipChildren();
        return OTHER;
      }
    }
  }
}
