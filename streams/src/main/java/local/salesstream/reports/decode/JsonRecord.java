package local.salesstream.reports.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

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

  /** What the text holds: a top-level object's sale fields, or the kind of another value. */
  record Parsed(Map<String, Object> fields, String kind) {
    /** True when the text is a JSON object. */
    boolean isObject() {
      return fields != null;
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

  /** Parses one JSON text, keeping the named top-level fields of an object. */
  static Parsed parse(String text, Set<String> wanted) throws NotJsonException {
    try (JsonParser p = FACTORY.createParser(text)) {
      JsonToken first = p.nextToken();
      if (first == null) throw new NotJsonException("unexpected end of JSON input");
      Parsed parsed;
      if (first == JsonToken.START_OBJECT) {
        Map<String, Object> fields = new HashMap<>(32);
        for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
          JsonToken token = p.nextToken();
          if (wanted.contains(name)) {
            fields.put(name, scalar(p, token));
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
    } catch (JsonProcessingException e) {
      // Jackson's message may quote the input: only the position goes on.
      throw new NotJsonException("syntax error at character "
          + (e.getLocation() == null ? "?" : e.getLocation().getCharOffset()));
    } catch (IOException e) {
      throw new NotJsonException("unreadable: " + e.getClass().getSimpleName());
    }
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
