package io.remotellm.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The application server a run deploys the broker WAR on ({@code --server}): Payara Micro through
 * the product's launcher, or the same WAR, unchanged, on WildFly or Open Liberty set up with {@code
 * server-config/<server>} as the portability ITs in {@code system-tests} do. The WAR given is the
 * run's private copy, bench floor included, so every server states its own floor.
 */
interface BrokerServer {

  /** What {@code --server} says: payara, wildfly or liberty. */
  String id();

  /** For the results: the server and its version. */
  String label();

  /**
   * Starts the server with the broker on a free port. The process returned is the one to stop; its
   * JVM is {@link #jvm} of it once the API answers.
   */
  Started start(Fleet fleet, String name, Launch launch) throws IOException, InterruptedException;

  /**
   * What a broker is given.
   *
   * @param product the run's staged copy of the repository's launchers, artifacts and server-config
   * @param war the run's copy of the broker WAR, with the bench floor
   * @param env the broker's settings as env variables (REMOTELLM_BROKER_*), which MicroProfile
   *     Config reads on every server
   * @param javaOpts extra JVM options, or null for the server's own defaults
   * @param runDir a fresh directory for the server's files (configuration, work, logs)
   */
  record Launch(Path product, Path war, Map<String, String> env, String javaOpts, Path runDir) {}

  /** A started server: the launching process and the port of {@code /v1} and {@code /ws}. */
  record Started(Process process, int apiPort) {}

  static BrokerServer of(String id, Path product) {
    return switch (id) {
      case "payara" -> new PayaraMicroBroker();
      case "wildfly" -> new WildFlyBroker(unpacked(product, "wildfly-"));
      case "liberty" -> new LibertyBroker(unpacked(product, "wlp"));
      default ->
          throw new IllegalArgumentException(
              "--server must be payara, wildfly or liberty, not " + id);
    };
  }

  /**
   * The server the bench build unpacked ({@code mvn -pl bench -am package -P<server>}) into
   * bench/target/servers of the repository the run was staged from.
   */
  private static Path unpacked(Path root, String prefix) {
    Path servers = root.resolve("bench/target/servers");
    try (var dirs = Files.list(servers)) {
      Optional<Path> home =
          dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).findFirst();
      if (home.isPresent()) {
        return home.get();
      }
    } catch (IOException e) {
      // not unpacked: say how below
    }
    String profile = prefix.startsWith("wildfly") ? "wildfly" : "liberty";
    throw new IllegalStateException(
        "no "
            + profile
            + " server in "
            + servers
            + ": build with bench/remotellm-bench --server "
            + profile
            + " (without --no-build), or mvn -B -DskipTests -pl bench -am package -P"
            + profile);
  }

  /**
   * The server's JVM: the process itself when its launcher exec'd java (Payara's and Liberty's do),
   * else the java process under it (WildFly's standalone.sh keeps running as its parent). CPU time
   * and memory are read from this one.
   */
  static long jvm(Process launcher) {
    if (isJava(launcher.toHandle())) {
      return launcher.pid();
    }
    return launcher
        .descendants()
        .filter(BrokerServer::isJava)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no java process under pid " + launcher.pid()))
        .pid();
  }

  private static boolean isJava(ProcessHandle p) {
    return p.info().command().map(c -> c.endsWith("/java")).orElse(false);
  }

  /** Copies a directory tree (a server's configuration) to a new place. */
  static void copyTree(Path from, Path to) throws IOException {
    try (var files = Files.walk(from)) {
      files.forEach(
          source -> {
            Path target = to.resolve(from.relativize(source).toString());
            try {
              if (Files.isDirectory(source)) {
                Files.createDirectories(target);
              } else {
                Files.copy(source, target);
              }
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
  }
}
