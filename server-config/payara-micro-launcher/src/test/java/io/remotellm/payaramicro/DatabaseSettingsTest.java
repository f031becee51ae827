package io.remotellm.payaramicro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The usage ledger's flags and variables: checked, passed to the broker, the password never. */
class DatabaseSettingsTest {

  @TempDir Path dir;

  private static DatabaseSettings resolve(Map<String, String> env, String... args)
      throws UsageException {
    BrokerLauncher flags = new BrokerLauncher();
    BrokerLauncher.parse(flags, args);
    return DatabaseSettings.resolve(flags, env, new BrokerSettings.Sources(), true);
  }

  @Test
  void nothingSetLeavesTheBrokersDefaults() throws Exception {
    assertThat(resolve(Map.of()).properties()).isEmpty();
  }

  @Test
  void flagsWinOverVariablesAndBecomeBrokerProperties() throws Exception {
    Path password = Files.writeString(dir.resolve("db.pass"), "s3cret\n");
    DatabaseSettings db =
        resolve(
            Map.of(
                "REMOTELLM_BROKER_DATABASE_URL", "jdbc:postgresql://env:5432/x",
                "REMOTELLM_BROKER_DATABASE_USER", "envuser"),
            "--database-url",
            "jdbc:postgresql://db:5432/remotellm",
            "--database-password-file",
            password.toString(),
            "--data-dir",
            dir.resolve("data").toString());
    assertThat(db.properties())
        .containsEntry("remotellm.broker.database-url", "jdbc:postgresql://db:5432/remotellm")
        .containsEntry("remotellm.broker.database-user", "envuser")
        .containsEntry("remotellm.broker.database-password-file", password.toString())
        .containsEntry("remotellm.broker.data-dir", dir.resolve("data").toString());
    assertThat(db.properties().values()).noneMatch(v -> v.contains("s3cret"));
  }

  @Test
  void badValuesAreRefusedClearly() throws Exception {
    assertThatThrownBy(() -> resolve(Map.of(), "--database-url", "postgres://x?password=hunter2"))
        .isInstanceOf(UsageException.class)
        .hasMessage("--database-url must start with jdbc:postgresql: (or jdbc:h2:)")
        .message()
        .doesNotContain("hunter2");
    assertThatThrownBy(() -> resolve(Map.of(), "--database-user", "u"))
        .hasMessage("--database-user and --database-password-file need --database-url");
    assertThatThrownBy(
            () ->
                resolve(
                    Map.of(),
                    "--database-url",
                    "jdbc:postgresql://db/x",
                    "--database-password-file",
                    dir.resolve("missing").toString()))
        .hasMessageContaining("database password file")
        .hasMessageContaining("is not a readable file");
    Path file = Files.writeString(dir.resolve("plain"), "x");
    assertThatThrownBy(() -> resolve(Map.of(), "--data-dir", file.toString()))
        .hasMessageContaining("is not a directory");
  }

  @Test
  void printEnvWritesTheVariablesAndHelpNamesTheFlags() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code =
        BrokerLauncher.run(
            new String[] {
              "--print-env", "--database-url", "jdbc:postgresql://db/x", "--database-user", "it's"
            },
            Map.of(),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    assertThat(code).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("REMOTELLM_BROKER_DATABASE_URL='jdbc:postgresql://db/x'\n")
        .contains("REMOTELLM_BROKER_DATABASE_USER='it'\"'\"'s'\n");
    assertThat(BrokerLauncher.usage())
        .contains("REMOTELLM_BROKER_DATA_DIR")
        .contains("REMOTELLM_BROKER_DATABASE_PASSWORD_FILE");
  }
}
