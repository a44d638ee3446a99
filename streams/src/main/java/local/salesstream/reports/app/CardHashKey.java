package local.salesstream.reports.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import local.salesstream.reports.decode.JsText;

/**
 * Reads the project's card-hash secret as lib/infra/secret.ts does: CARD_HASH_SECRET from the
 * environment (never from the command line), else the key file the TypeScript tasks generate
 * (.local/card-hash-secret). Unlike the TypeScript side it never creates the file: a second,
 * different key would silently give customers other report keys.
 */
final class CardHashKey {
  private CardHashKey() {}

  /** Shortest secret accepted from the environment, as secret.ts requires. */
  static final int MIN_LENGTH = 16;

  /** The secret: the environment's value if set, else the trimmed content of the file. */
  static String load(String fromEnvironment, Path file) throws ConfigException {
    if (fromEnvironment != null) {
      if (fromEnvironment.length() < MIN_LENGTH) {
        throw new ConfigException("CARD_HASH_SECRET is shorter than " + MIN_LENGTH
            + " characters; use a long random value");
      }
      return fromEnvironment;
    }
    String content;
    try {
      content = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException("no card-hash secret: CARD_HASH_SECRET is not set and " + file
          + " does not exist (set CARD_HASH_SECRET, or CARD_HASH_SECRET_FILE to the project's"
          + " .local/card-hash-secret, which any deno task creates)");
    } catch (IOException e) {
      throw new ConfigException("cannot read the card-hash secret " + file + ": " + e.getMessage());
    }
    String secret = JsText.trim(content);
    if (secret.isEmpty()) {
      throw new ConfigException("the card-hash secret file " + file + " is empty");
    }
    return secret;
  }
}
