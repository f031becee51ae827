package io.remotellm.st.cluster;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * nginx run as the test's user in front of brokers, with the sample config {@code
 * deploy/nginx/remotellm-cluster.conf} changed only where an operator changes it: the upstream
 * addresses and the listen port. Its pid file, logs and temp files live in a temp directory.
 */
final class NginxInFront implements AutoCloseable {
  static final Path SAMPLE = Path.of("deploy", "nginx", "remotellm-cluster.conf");
  private static final Pattern UPSTREAM_SERVERS =
      Pattern.compile("(?m)^(\\s*)server \\d+\\.\\d+\\.\\d+\\.\\d+:\\d+;\\n(\\s*server .*\\n)*");
  private static final Pattern LISTEN = Pattern.compile("(?m)^(\\s*)listen \\d+;");

  final int port;
  private final Path dir;
  private final Process process;

  private NginxInFront(int port, Path dir, Process process) {
    this.port = port;
    this.dir = dir;
    this.process = process;
  }

  /** The nginx binary, if this machine has one (Debian's package puts it in /usr/sbin). */
  static Optional<Path> binary() {
    List<Path> candidates = new ArrayList<>();
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      candidates.add(Path.of(d.isEmpty() ? "." : d, "nginx"));
    }
    candidates.add(Path.of("/usr/sbin/nginx"));
    return candidates.stream().filter(Files::isExecutable).findFirst();
  }

  /** The sample config with these upstreams ({@code host:port}) and this listen port. */
  static String config(String sample, List<String> upstreams, int port) {
    Matcher servers = UPSTREAM_SERVERS.matcher(sample);
    if (!servers.find()) {
      throw new IllegalStateException("no upstream server lines in " + SAMPLE);
    }
    StringBuilder lines = new StringBuilder();
    for (String upstream : upstreams) {
      lines.append(servers.group(1)).append("server ").append(upstream).append(";\n");
    }
    String withUpstreams =
        sample.substring(0, servers.start()) + lines + sample.substring(servers.end());
    Matcher listen = LISTEN.matcher(withUpstreams);
    if (!listen.find()) {
      throw new IllegalStateException("no 'listen PORT;' line in " + SAMPLE);
    }
    return listen.replaceFirst("$1listen 127.0.0.1:" + port + ";");
  }

  /** Starts nginx with the sample config in front of {@code upstreams}, on a free port. */
  static NginxInFront start(Path nginx, List<String> upstreams) throws IOException {
    int port = FreePort.next();
    Path dir = Files.createTempDirectory(ProductProcess.logDir(), "nginx");
    Files.createDirectories(dir.resolve("logs"));
    Files.createDirectories(dir.resolve("temp"));
    String sample = Files.readString(ProductProcess.root().resolve(SAMPLE));
    Files.writeString(dir.resolve("remotellm-cluster.conf"), config(sample, upstreams, port));
    String temp = dir.resolve("temp").toString();
    // As root the workers would run as "nobody" and could not write the temp directories here.
    String user = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
    Files.writeString(
        dir.resolve("nginx.conf"),
        user
            + "worker_processes 1;\n"
            + "pid "
            + dir.resolve("nginx.pid")
            + ";\n"
            + "error_log "
            + dir.resolve("logs/error.log")
            + " info;\n"
            + "events { worker_connections 512; }\n"
            + "http {\n"
            + "  access_log "
            + dir.resolve("logs/access.log")
            + ";\n"
            + ("  client_body_temp_path " + temp + "/body;\n")
            + ("  proxy_temp_path " + temp + "/proxy;\n")
            + ("  fastcgi_temp_path " + temp + "/fastcgi;\n")
            + ("  uwsgi_temp_path " + temp + "/uwsgi;\n")
            + ("  scgi_temp_path " + temp + "/scgi;\n")
            + "  include "
            + dir.resolve("remotellm-cluster.conf")
            + ";\n"
            + "}\n");
    Process process =
        new ProcessBuilder(
                nginx.toString(),
                "-p",
                dir.toString(),
                "-c",
                dir.resolve("nginx.conf").toString(),
                "-g",
                "daemon off;")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("logs/stdout.log").toFile())
            .start();
    return new NginxInFront(port, dir, process);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Where to look when it fails: its error log. */
  Path errorLog() {
    return dir.resolve("logs/error.log");
  }

  @Override
  public void close() {
    process.destroy(); // SIGTERM: nginx's fast shutdown, its workers with it
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
