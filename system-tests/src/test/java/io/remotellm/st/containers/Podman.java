package io.remotellm.st.containers;

import static org.junit.jupiter.api.Assertions.fail;

import io.remotellm.st.support.ProductProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs podman and the scripts under deploy/containers, with the sandbox's podman settings
 * (deploy/containers/sandbox-containers.conf) unless CONTAINERS_CONF is already set.
 */
final class Podman {

  /** What a finished command printed (stdout and stderr apart) and its exit code. */
  record Result(int exitCode, String out, String err) {
    Result orFail(String what) {
      if (exitCode != 0) {
        throw new AssertionError(what + " failed with " + exitCode + ":\n" + out + err);
      }
      return this;
    }

    /** The last line of stdout: the scripts print their result there, progress on stderr. */
    String lastLine() {
      List<String> lines = out.strip().lines().toList();
      return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
  }

  private Podman() {}

  static Path root() {
    return ProductProcess.root();
  }

  /**
   * Skips the calling test where a tool is missing, naming the Debian package; in CI (CI=true),
   * whose .ci/run installs the tools, a missing tool is a failure instead.
   */
  static void require(String command, String debianPackages) {
    missing(command, debianPackages).ifPresent(Podman::skip);
  }

  /** Why the tests cannot run here (a tool is missing), or empty; fails in CI instead. */
  static Optional<String> missing(String command, String debianPackages) {
    if (onPath(command)) {
      return Optional.empty();
    }
    String message =
        command
            + " is not installed: apt-get install -y "
            + debianPackages
            + " (.ci/run installs it)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message);
    }
    return Optional.of(message);
  }

  /**
   * Skips the calling test. Called from each test method, not from a @BeforeAll: a class-level skip
   * shows in Maven's report as no test at all, without the reason.
   */
  static void skip(String reason) {
    Assumptions.abort("skipped: " + reason);
  }

  static boolean onPath(String command) {
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    // debootstrap lives in /usr/sbin, which a non-login PATH may lack.
    return Files.isExecutable(Path.of("/usr/sbin", command));
  }

  static Result podman(Duration timeout, String... args) {
    List<String> command = new ArrayList<>();
    command.add("podman");
    command.addAll(List.of(args));
    return run(command, Map.of(), timeout);
  }

  /** Starts {@code podman args...} in the background; its output is discarded. */
  static Process start(String... args) {
    List<String> command = new ArrayList<>();
    command.add("podman");
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().putIfAbsent("CONTAINERS_CONF", sandboxConf());
    try {
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + command, e);
    }
  }

  private static String sandboxConf() {
    return root().resolve("deploy/containers/sandbox-containers.conf").toString();
  }

  /** Runs a command; {@code env} is added to this JVM's environment (secrets go here). */
  static Result run(List<String> command, Map<String, String> env, Duration timeout) {
    ProcessBuilder builder = new ProcessBuilder(command).directory(root().toFile());
    Map<String, String> environment = builder.environment();
    environment.putIfAbsent("CONTAINERS_CONF", sandboxConf());
    if (!environment.getOrDefault("PATH", "").contains("/usr/sbin")) {
      environment.put(
          "PATH", environment.getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin");
    }
    environment.putAll(env);
    try {
      Path out = Files.createTempFile("podman-out", ".txt");
      Path err = Files.createTempFile("podman-err", ".txt");
      try {
        Process process =
            builder
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          process.descendants().forEach(ProcessHandle::destroyForcibly);
          process.destroyForcibly();
          throw new AssertionError(
              String.join(" ", command)
                  + " did not finish within "
                  + timeout.toSeconds()
                  + " s:\n"
                  + Files.readString(err, StandardCharsets.UTF_8));
        }
        return new Result(
            process.exitValue(),
            Files.readString(out, StandardCharsets.UTF_8),
            Files.readString(err, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + command, e);
    }
  }
}
