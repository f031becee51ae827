package io.remotellm.broker.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Prometheus' own linter, {@code promtool check metrics}, on a scrape. Debian's {@code prometheus}
 * package has it; without it the check is skipped with a message, except in CI ({@code CI=true}),
 * where it must run.
 */
final class Promtool {

  private Promtool() {}

  static void check(String scrape) throws IOException, InterruptedException {
    String tool = find();
    if (tool == null) {
      if ("true".equals(System.getenv("CI"))) {
        throw new AssertionError("promtool is missing: install the Debian package 'prometheus'");
      }
      Assumptions.abort(
          "promtool not found: install the Debian package 'prometheus' to lint /metrics");
    }
    Process process =
        new ProcessBuilder(tool, "check", "metrics").redirectErrorStream(true).start();
    try (OutputStream in = process.getOutputStream()) {
      in.write(scrape.getBytes(StandardCharsets.UTF_8));
    }
    String said = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("promtool check metrics said: %s", said).isZero();
    assertThat(said).as("promtool's lint").isBlank();
  }

  private static String find() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path candidate = Path.of(dir, "promtool");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }
}
