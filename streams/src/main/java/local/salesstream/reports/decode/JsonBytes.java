package local.salesstream.reports.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;

/**
 * JSON written as JavaScript's JSON.stringify writes it, in the UTF-8 bytes Node's
 * Buffer.from(text) gives, through Jackson's UTF-8 generator: control characters as \b \f \n \r
 * \t or lower-case \\u00XX escapes, '/' and U+2028 as they are, surrogate pairs as one 4-byte
 * character, and a lone surrogate as its lower-case \\uXXXX escape (well-formed JSON.stringify).
 */
public final class JsonBytes {
  private JsonBytes() {}

  /** Writes one JSON value with a generator. */
  public interface Body {
    /** Writes the value. */
    void write(JsonGenerator out) throws IOException;
  }

  private static final JsonFactory FACTORY = JsonFactory.builder()
      .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE)
      .enable(JsonWriteFeature.COMBINE_UNICODE_SURROGATES_IN_UTF8)
      .build();

  /** The bytes of the value the body writes. */
  public static byte[] write(Body body) {
    ByteArrayBuilder bytes = new ByteArrayBuilder(256);
    try (JsonGenerator out = FACTORY.createGenerator(bytes)) {
      body.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * The digest of the bytes {@link #write} would give, computed as the generator writes them (no
   * byte array of the value is made). The digest is reset first.
   */
  public static byte[] digest(MessageDigest digest, Body body) {
    digest.reset();
    OutputStream sink = new OutputStream() {
      @Override
      public void write(int b) {
        digest.update((byte) b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        digest.update(b, off, len);
      }
    };
    try (JsonGenerator out = FACTORY.createGenerator(sink)) {
      body.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return digest.digest();
  }
}
