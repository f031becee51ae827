package io.remotellm.st.portability;

import io.remotellm.st.support.ProductProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A server's own launcher (standalone.sh, server run, jboss-cli.sh) as a process, its output in a
 * log file under target/st-logs. The launchers are shell scripts that start a JVM as their child,
 * so stopping signals the whole process tree.
 */
final class ServerProcess implements AutoCloseable {

  private final String name;
  private final Process process;
  private final Path log;

  private ServerProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  static ServerProcess start(
      String name, List<String> command, Path workDir, Map<String, String> env) {
    Path log = ProductProcess.logDir().resolve(name + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    // Nothing from the developer's shell may change what the server is given.
    builder
        .environment()
        .keySet()
        .removeIf(k -> k.startsWith("REMOTELLM_") || k.equals("JAVA_OPTS"));
    builder.environment().putAll(env);
    try {
      return new ServerProcess(name, builder.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + command.get(0), e);
    }
  }

  /** Runs a command to its end and returns its output; fails with it unless it exits with 0. */
  static String run(
      String name, List<String> command, Path workDir, Map<String, String> env, Duration timeout) {
    try (ServerProcess tool = start(name, command, workDir, env)) {
      if (!tool.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(
            name + " did not finish within " + timeout + ":\n" + tool.output());
      }
      if (tool.process.exitValue() != 0) {
        throw new AssertionError(
            name + " failed with exit code " + tool.process.exitValue() + ":\n" + tool.output());
      }
      return tool.output();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted running " + name, e);
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  Path log() {
    return log;
  }

  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGTERM to the launcher and the JVM under it, then SIGKILL whatever is left after 60 s. */
  @Override
  public void close() {
    List<ProcessHandle> tree = process.descendants().toList();
    tree.forEach(ProcessHandle::destroy);
    process.destroy();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    for (ProcessHandle p : tree) {
      await(p, deadline);
    }
    await(process.toHandle(), deadline);
  }

  private static void await(ProcessHandle p, long deadline) {
    try {
      p.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill(p);
    } catch (ExecutionException | TimeoutException e) {
      kill(p);
    }
  }

  private static void kill(ProcessHandle p) {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
  }
}
