package io.remotellm.st.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One of the product's launchers (bin/remotellm-broker, bin/remotellm-connector) running as its own
 * process, its output kept in a log file under target/st-logs so that a test can read it and the
 * secret scan can search it.
 */
public final class ProductProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;

  /**
   * Where this run's output starts in {@code log}: the file is appended to, so a process started
   * again under the same name (a restarted connector, the next build without {@code clean}) keeps
   * the earlier output for the reader, and {@link #output()} must not show it as this run's.
   */
  private final long logStart;

  private ProductProcess(String name, Process process, Path log, long logStart) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.logStart = logStart;
  }

  /** The repository root, handed in by the build. */
  public static Path root() {
    String root = System.getProperty("remotellm.root");
    if (root == null) {
      throw new IllegalStateException(
          "system property remotellm.root is not set (run through Maven)");
    }
    return Path.of(root);
  }

  public static Path logDir() {
    Path dir = root().resolve("system-tests/target/st-logs");
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  /** Starts {@code bin/<launcher> args...} with the given extra environment. */
  public static ProductProcess start(
      String name, String launcher, List<String> args, Map<String, String> env) {
    List<String> command = new ArrayList<>();
    command.add(root().resolve("bin").resolve(launcher).toString());
    command.addAll(args);
    Path log = logDir().resolve(name + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(logDir().toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().keySet().removeIf(k -> k.startsWith("REMOTELLM_"));
    if (launcher.equals("remotellm-broker")) {
      // Each broker's usage ledger (an H2 file) beside its log, never in the home directory,
      // and never shared by two brokers of one test.
      builder
          .environment()
          .put("REMOTELLM_BROKER_DATA_DIR", logDir().resolve(name + "-data").toString());
    }
    builder.environment().putAll(env);
    try {
      long logStart = Files.exists(log) ? Files.size(log) : 0;
      return new ProductProcess(name, builder.start(), log, logStart);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + launcher, e);
    }
  }

  public String name() {
    return name;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public Path log() {
    return log;
  }

  /**
   * What this process has written so far; not what an earlier process of the same name left in the
   * same log file. (Reading those lines as this run's made DemoIT run the curl lines of a previous
   * build's demo, against ports nobody listened on any more: curl exit 7.)
   */
  public String output() {
    try {
      byte[] all = Files.readAllBytes(log);
      int from = (int) Math.min(logStart, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGTERM, then waits for the exit; returns the exit code. */
  public int terminate(Duration timeout) {
    process.destroy();
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill();
        throw new AssertionError(name + " did not exit within " + timeout + " of SIGTERM");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return process.exitValue();
  }

  /** SIGKILL: no chance to say goodbye, as when a machine loses power. */
  public void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
          kill();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        kill();
      }
    }
  }
}
