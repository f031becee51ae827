package io.remotellm.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The processes a benchmark run starts (fake LLM, broker, connector), each logging to its own file.
 * Closing the fleet stops all of them, newest first: SIGTERM, then SIGKILL to the process and its
 * descendants if it does not exit in time. A run closes it in {@code finally}, so a failed run
 * leaves nothing behind.
 */
final class Fleet implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(Fleet.class.getName());

  private final Path logDir;
  private final List<Process> processes = new ArrayList<>();
  private final Thread hook = new Thread(this::close, "bench-fleet-stop");

  Fleet(Path logDir) {
    this.logDir = logDir;
    try {
      Files.createDirectories(logDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Ctrl-C on the command line must not leave a broker running either.
    Runtime.getRuntime().addShutdownHook(hook);
  }

  Process start(String name, List<String> command, Map<String, String> env, Path workDir) {
    Path log = logDir.resolve(name + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    // The product's settings come from this run alone, not from the caller's shell.
    builder
        .environment()
        .keySet()
        .removeIf(k -> k.startsWith("REMOTELLM_") || k.equals("JAVA_OPTS"));
    builder.environment().putAll(env);
    try {
      Process process = builder.start();
      synchronized (processes) {
        processes.add(process);
      }
      LOG.log(System.Logger.Level.INFO, "started {0} (pid {1}), log {2}", name, process.pid(), log);
      return process;
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + name + ": " + command, e);
    }
  }

  Path log(String name) {
    return logDir.resolve(name + ".log");
  }

  /**
   * SIGTERM and wait, so the JVM runs its shutdown hooks (a JFR recording is written then). A
   * server's launch script (WildFly's standalone.sh) may have the JVM as its child: it gets the
   * SIGTERM too.
   */
  static void stop(Process process, long timeoutSeconds) {
    if (!process.isAlive()) {
      return;
    }
    List<ProcessHandle> tree = process.descendants().toList();
    tree.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
      }
      // The JVM under a script may outlive it by a moment; the run's files go right after this.
      for (ProcessHandle p : tree) {
        try {
          p.onExit().get(20, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
          p.destroyForcibly();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  @Override
  public void close() {
    List<Process> toStop;
    synchronized (processes) {
      toStop = new ArrayList<>(processes);
      processes.clear();
    }
    for (int i = toStop.size() - 1; i >= 0; i--) {
      stop(toStop.get(i), 40);
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // Already shutting down: this call came from the hook itself.
    }
  }

  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
