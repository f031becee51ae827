package io.remotellm.broker.ledger;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real PostgreSQL of this test's own: a cluster made with {@code initdb} in a temporary
 * directory, on a free port on 127.0.0.1, with password authentication, started and stopped with
 * {@code pg_ctl} (as the {@code postgres} user when the tests run as root, which PostgreSQL refuses
 * to be). Needs the Debian package {@code postgresql}; without it the test is skipped, except in CI
 * ({@code CI=true}), where it fails.
 */
public final class PostgresCluster implements AutoCloseable {

  public static final String USER = "ledger";
  public static final String PASSWORD = "pw-ledger-it-#&'\" x";

  private final Path bin;
  private final Path dir;
  private final int port;
  private final boolean asPostgres;

  private PostgresCluster(Path bin, Path dir, int port, boolean asPostgres) {
    this.bin = bin;
    this.dir = dir;
    this.port = port;
    this.asPostgres = asPostgres;
  }

  /** Makes and starts a cluster, or skips the test when PostgreSQL is not installed. */
  public static PostgresCluster start() throws IOException, InterruptedException {
    Path bin = binDir();
    if (bin == null) {
      String why =
          "PostgreSQL is not installed (Debian package postgresql: apt-get install -y postgresql)";
      if ("true".equals(System.getenv("CI"))) {
        throw new IllegalStateException(why + "; CI must install it");
      }
      Assumptions.abort(why);
    }
    boolean root = "root".equals(System.getProperty("user.name"));
    Path dir = Files.createTempDirectory("remotellm-pg-");
    Path password = dir.resolve("password");
    Files.writeString(password, PASSWORD + "\n", StandardCharsets.UTF_8);
    PostgresCluster cluster = new PostgresCluster(bin, dir, freePort(), root);
    if (root) {
      run(List.of("chown", "-R", "postgres", dir.toString()));
    }
    cluster.pg(
        "initdb",
        "-D",
        dir.resolve("data").toString(),
        "-U",
        USER,
        "--auth=scram-sha-256",
        "--pwfile=" + password,
        "-E",
        "UTF8",
        "--no-sync");
    cluster.startServer();
    return cluster;
  }

  /** The password in a file, as the broker reads it ({@code --database-password-file}). */
  public Path passwordFile() {
    return dir.resolve("password");
  }

  public String url() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
  }

  /** Starts the server (again); waits until it accepts connections. */
  public void startServer() throws IOException, InterruptedException {
    pg(
        "pg_ctl",
        "-D",
        dir.resolve("data").toString(),
        "-l",
        dir.resolve("server.log").toString(),
        "-o",
        "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c fsync=off",
        "-w",
        "-t",
        "60",
        "start");
  }

  /** Stops the server at once (open connections are cut). */
  public void stopServer() throws IOException, InterruptedException {
    pg("pg_ctl", "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "-t", "60", "stop");
  }

  @Override
  public void close() throws IOException, InterruptedException {
    try {
      stopServer();
    } catch (IOException e) {
      // Already stopped; the directory goes all the same.
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private void pg(String program, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    if (asPostgres) {
      command.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    command.add(bin.resolve(program).toString());
    command.addAll(List.of(args));
    run(command);
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }

  /** The newest installed PostgreSQL's bin directory, or null. */
  private static Path binDir() throws IOException {
    Path root = Path.of("/usr/lib/postgresql");
    if (!Files.isDirectory(root)) {
      return null;
    }
    try (Stream<Path> versions = Files.list(root)) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(
              Comparator.comparingInt(
                  b ->
                      Integer.parseInt(
                          b.getParent().getFileName().toString().replaceAll("\\D", "0"))))
          .orElse(null);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
