package local.salesstream.reports.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The card-hash secret: from the environment, else the file. */
class CardHashKeyTest {
  @Test
  void theSecretComesFromTheEnvironmentElseTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("card-hash-secret");
    assertEquals("0123456789abcdef", CardHashKey.load("0123456789abcdef", file));
    assertThrows(ConfigException.class, () -> CardHashKey.load("short", file));
    assertThrows(ConfigException.class, () -> CardHashKey.load(null, file));
    Files.writeString(file, "  from-file-secret\n");
    assertEquals("from-file-secret", CardHashKey.load(null, file));
  }
}
