package local.salesstream.reports.decode;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses text exactly as JavaScript's JSON.parse accepts it: objects become {@code Map}s (a
 * repeated name keeps its last value), arrays {@code List}s, numbers {@code Double}s (so
 * 1e400 is Infinity and 9007199254740993 rounds, as in JavaScript), null {@link #NULL}.
 * Iterative, so deeply nested input cannot overflow the stack.
 */
final class JsonParser {
  /** JSON null (a Java null means "no such field"). */
  static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  /** The text is not JSON. */
  static final class JsonException extends Exception {
    private static final long serialVersionUID = 1L;

    JsonException(String message) {
      super(message, null, false, false);
    }
  }

  private final String text;
  private int pos;

  private JsonParser(String text) {
    this.text = text;
  }

  /** Parses one JSON text (whitespace around it allowed). */
  static Object parse(String text) throws JsonException {
    return new JsonParser(text).parseText();
  }

  private Object parseText() throws JsonException {
    Deque<Object> containers = new ArrayDeque<>();
    Deque<String> names = new ArrayDeque<>();
    skipWhitespace();
    while (true) {
      // Read one value; an opened container is filled by the loop below.
      Object value;
      char c = peek();
      if (c == '{') {
        pos++;
        skipWhitespace();
        if (peek() == '}') {
          pos++;
          value = new LinkedHashMap<String, Object>();
        } else {
          containers.push(new LinkedHashMap<String, Object>());
          names.push(readName());
          continue;
        }
      } else if (c == '[') {
        pos++;
        skipWhitespace();
        if (peek() == ']') {
          pos++;
          value = new ArrayList<Object>();
        } else {
          containers.push(new ArrayList<Object>());
          continue;
        }
      } else {
        value = readPrimitive();
      }
      // Store the value in its container, closing containers that end here.
      while (true) {
        if (containers.isEmpty()) {
          skipWhitespace();
          if (pos != text.length()) throw error("unexpected text after the JSON value");
          return value;
        }
        Object top = containers.peek();
        if (top instanceof Map<?, ?>) {
          @SuppressWarnings("unchecked")
          Map<String, Object> object = (Map<String, Object>) top;
          object.put(names.pop(), value);
          skipWhitespace();
          char next = next();
          if (next == ',') {
            skipWhitespace();
            names.push(readName());
            break;
          }
          if (next != '}') throw error("expected , or }");
        } else {
          @SuppressWarnings("unchecked")
          List<Object> array = (List<Object>) top;
          array.add(value);
          skipWhitespace();
          char next = next();
          if (next == ',') {
            skipWhitespace();
            break;
          }
          if (next != ']') throw error("expected , or ]");
        }
        value = containers.pop();
      }
    }
  }

  /** A member name and its colon; leaves the position at the member's value. */
  private String readName() throws JsonException {
    if (peek() != '"') throw error("expected a string for a member name");
    String name = readString();
    skipWhitespace();
    if (next() != ':') throw error("expected :");
    skipWhitespace();
    return name;
  }

  private Object readPrimitive() throws JsonException {
    char c = peek();
    if (c == '"') return readString();
    if (c == '-' || (c >= '0' && c <= '9')) return readNumber();
    if (text.startsWith("true", pos)) {
      pos += 4;
      return Boolean.TRUE;
    }
    if (text.startsWith("false", pos)) {
      pos += 5;
      return Boolean.FALSE;
    }
    if (text.startsWith("null", pos)) {
      pos += 4;
      return NULL;
    }
    throw error(pos >= text.length() ? "unexpected end of JSON input" : "unexpected token");
  }

  private Double readNumber() throws JsonException {
    int start = pos;
    if (peek() == '-') pos++;
    if (peek() == '0') {
      pos++;
    } else if (isDigit(peek())) {
      while (isDigit(peek())) pos++;
    } else {
      throw error("no digits in a number");
    }
    if (peek() == '.') {
      pos++;
      if (!isDigit(peek())) throw error("no digits after the decimal point");
      while (isDigit(peek())) pos++;
    }
    if (peek() == 'e' || peek() == 'E') {
      pos++;
      if (peek() == '+' || peek() == '-') pos++;
      if (!isDigit(peek())) throw error("no digits in an exponent");
      while (isDigit(peek())) pos++;
    }
    // Java and JavaScript both round decimal text to the nearest double.
    return Double.parseDouble(text.substring(start, pos));
  }

  private String readString() throws JsonException {
    pos++; // opening quote
    StringBuilder out = null;
    int runStart = pos;
    while (true) {
      if (pos >= text.length()) throw error("unterminated string");
      char c = text.charAt(pos);
      if (c == '"') {
        String tail = text.substring(runStart, pos++);
        return out == null ? tail : out.append(tail).toString();
      }
      if (c < 0x20) throw error("control character in a string");
      if (c != '\\') {
        pos++;
        continue;
      }
      if (out == null) out = new StringBuilder();
      out.append(text, runStart, pos);
      pos++;
      char escape = next();
      switch (escape) {
        case '"' -> out.append('"');
        case '\\' -> out.append('\\');
        case '/' -> out.append('/');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> out.append(readHex4());
        default -> throw error("bad escape in a string");
      }
      runStart = pos;
    }
  }

  private char readHex4() throws JsonException {
    if (pos + 4 > text.length()) throw error("bad \\u escape");
    int value = 0;
    for (int i = 0; i < 4; i++) {
      int digit = Character.digit(text.charAt(pos + i), 16);
      // Character.digit also takes non-ASCII digits; JSON allows only 0-9, a-f, A-F.
      if (digit < 0 || text.charAt(pos + i) > 'f') throw error("bad \\u escape");
      value = value * 16 + digit;
    }
    pos += 4;
    return (char) value;
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      pos++;
    }
  }

  private char peek() {
    return pos < text.length() ? text.charAt(pos) : '\0';
  }

  private char next() throws JsonException {
    if (pos >= text.length()) throw error("unexpected end of JSON input");
    return text.charAt(pos++);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private JsonException error(String message) {
    return new JsonException(message + " at position " + pos);
  }
}
