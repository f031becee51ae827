package io.remotellm.st.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One of the installers under deploy/, run as an operator would run it, but always with {@code
 * --dest-root} so that nothing outside the scratch root changes on the machine running the tests.
 */
final class Installer {

  /** What a run printed and how it ended. */
  record Result(int exitCode, String stdout, String stderr) {
    String output() {
      return stdout + stderr;
    }

    Result assertSuccess() {
      if (exitCode != 0) {
        throw new AssertionError(
            "installer exited with " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
      }
      return this;
    }
  }

  private final Path script;

  private Installer(Path script) {
    this.script = script;
  }

  static Installer linux() {
    return new Installer(root().resolve("deploy/install-linux.sh"));
  }

  static Installer macos() {
    return new Installer(root().resolve("deploy/install-macos.sh"));
  }

  static Path root() {
    String root = System.getProperty("remotellm.root");
    if (root == null) {
      throw new IllegalStateException(
          "system property remotellm.root is not set (run through Maven)");
    }
    return Path.of(root);
  }

  /** Runs the installer with no REMOTELLM_* variables but those given. */
  Result run(Map<String, String> env, List<String> args) {
    List<String> command = new ArrayList<>(List.of("bash", script.toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(root().toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("REMOTELLM_"));
    builder.environment().putAll(env);
    try {
      Process process = builder.start();
      process.getOutputStream().close();
      CompletableFuture<String> out = drain(process.getInputStream());
      CompletableFuture<String> err = drain(process.getErrorStream());
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError(script.getFileName() + " did not finish within 60 s");
      }
      return new Result(process.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  Result run(List<String> args) {
    return run(Map.of(), args);
  }

  private static CompletableFuture<String> drain(java.io.InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  /** The two programs' jars the installers ask for their flags, checks and env files. */
  static final List<String> PROGRAM_JARS =
      List.of(
          "server-config/payara-micro-launcher/target/remotellm-broker-launcher.jar",
          "connector-app/target/remotellm-connector.jar");

  /**
   * A source tree shaped like a built checkout (launchers and artifacts where the build puts them)
   * whose launchers only print their REMOTELLM_* environment, and whose WAR and Payara Micro are
   * stand-ins: enough to test the installers without starting the product. The broker's launcher
   * jar and the connector's jar are the real ones of this build (Maven packs them before the system
   * tests run): the installers run them to check values and write the env files.
   */
  static Path fakeSourceTree(Path dir) throws IOException {
    for (String jar : PROGRAM_JARS) {
      Path built = root().resolve(jar);
      if (!Files.isRegularFile(built)) {
        throw new IllegalStateException(
            built + " is not built: run the deploy tests through Maven with -am");
      }
      Files.createDirectories(dir.resolve(jar).getParent());
      Files.copy(built, dir.resolve(jar));
    }
    for (String launcher : List.of("remotellm-broker", "remotellm-connector")) {
      Path file = dir.resolve("bin").resolve(launcher);
      Files.createDirectories(file.getParent());
      Files.writeString(
          file, "#!/usr/bin/env bash\nenv | grep '^REMOTELLM_' | sort\n", StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    for (String artifact :
        List.of(
            "broker-war/target/remotellm-broker.war",
            "broker-war/target/payara-micro.jar",
            "server-config/payara-micro-launcher/target/remotellm-payara-micro-logging.jar",
            "server-config/payara-micro/post-boot-commands.txt.template")) {
      Path file = dir.resolve(artifact);
      Files.createDirectories(file.getParent());
      Files.writeString(file, "stand-in for " + artifact + "\n");
    }
    return dir;
  }
}
