package io.remotellm.payaramicro;

import io.remotellm.settings.BrokerProperties;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * One start of Payara Micro: its private run directory (boot command files, the secrets file,
 * Payara's runtime files) and its command line. Values reach Payara only through Java string
 * replacement, {@link Properties} files and argv entries, never through a shell or sed, so a {@code
 * #}, {@code &}, space or quote in a value is just a character.
 *
 * @param root the installation (or checkout): broker-war/target and server-config/ below it
 * @param runDir the run directory, named after the server's PID so later runs can clean it up
 */
record PayaraMicroRun(Path root, Path runDir) {

  static final String RUN_DIR_PREFIX = "remotellm-broker.";
  static final String LOG_MANAGER = "io.remotellm.payaramicro.logging.PayaraMicroLogManager";

  Path war() {
    return root.resolve("broker-war/target/remotellm-broker.war");
  }

  Path payaraJar() {
    return root.resolve("broker-war/target/payara-micro.jar");
  }

  Path loggingJar() {
    return root.resolve(
        "server-config/payara-micro-launcher/target/remotellm-payara-micro-logging.jar");
  }

  Path payaraConf() {
    return root.resolve("server-config/payara-micro");
  }

  /**
   * Removes run directories of earlier runs whose server is gone (owned by this user, named after a
   * PID that no longer runs), then makes this run's directory, readable by this user only.
   */
  void prepareRunDir() throws IOException {
    Path parent = runDir.toAbsolutePath().getParent();
    try (Stream<Path> siblings = Files.list(parent)) {
      for (Path old : siblings.toList()) {
        String name = old.getFileName().toString();
        if (!name.startsWith(RUN_DIR_PREFIX) || old.equals(runDir) || !Files.isDirectory(old)) {
          continue;
        }
        String pid = name.substring(RUN_DIR_PREFIX.length());
        try {
          if (pid.matches("[0-9]{1,18}")
              && ProcessHandle.of(Long.parseLong(pid)).isEmpty()
              && ownedByMe(old)) {
            deleteTree(old);
          }
        } catch (IOException e) {
          // Another launcher started at the same moment (several brokers of a cluster on one
          // machine) is removing it too; what is left is removed by the next start.
        }
      }
    }
    deleteTree(runDir);
    Files.createDirectories(
        runDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  /** Writes the boot command files and the secrets file; returns Payara Micro's command line. */
  List<String> write(BrokerSettings settings, Map<String, String> env) throws IOException {
    Map<String, String> values =
        Map.of(
            "@HOST@", settings.host(),
            "@HEALTH_PORT@", Integer.toString(settings.healthPort()),
            "@HTTPS_PORT@",
                settings.tls() == null ? "" : Integer.toString(settings.tls().httpsPort()),
            "@WAR@", war().toString());
    String pre = fill("pre-boot-commands.txt.template", values);
    String post = fill("post-boot-commands.txt.template", values);
    if (settings.tls() != null) {
      pre += fill("pre-boot-commands-tls.txt.template", values);
      post += fill("post-boot-commands-tls.txt.template", values);
    }
    Files.writeString(runDir.resolve("pre-boot-commands.txt"), pre, StandardCharsets.UTF_8);
    Files.writeString(runDir.resolve("post-boot-commands.txt"), post, StandardCharsets.UTF_8);
    writeSecrets(settings);
    return command(settings, env);
  }

  /**
   * Keys and tokens go to the JVM as system properties read from a file only this user can read,
   * not on the command line, where every user of the machine could see them with ps.
   */
  private void writeSecrets(BrokerSettings settings) throws IOException {
    Properties secrets = new Properties();
    secrets.setProperty(
        BrokerProperties.CONNECTOR_TOKENS, String.join(",", settings.connectorTokens()));
    secrets.setProperty(BrokerProperties.USER_API_KEYS, String.join(",", settings.userApiKeys()));
    secrets.setProperty(BrokerProperties.METRICS_TOKEN, settings.metricsToken());
    secrets.setProperty(BrokerProperties.ADMIN_KEYS, String.join(",", settings.adminKeys()));
    // The URL too: PostgreSQL's may carry a password parameter. Never the password file's text.
    settings.database().properties().forEach(secrets::setProperty);
    // Only the secret file's path: the broker reads the cluster secret itself.
    settings.cluster().properties().forEach(secrets::setProperty);
    BrokerSettings.Tls tls = settings.tls();
    if (tls != null) {
      // Payara Micro's HTTPS listener takes its key from the JVM's keystore properties.
      secrets.setProperty("javax.net.ssl.keyStore", tls.keystore().toString());
      secrets.setProperty("javax.net.ssl.keyStoreType", tls.storeType());
      secrets.setProperty("javax.net.ssl.keyStorePassword", tls.password());
    }
    Path file = runDir.resolve("secrets.properties");
    try {
      Files.createFile(
          file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException e) {
      throw new IOException("run directory " + runDir + " was not fresh", e);
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      secrets.store(out, "RemoteLLM broker secrets for Payara Micro (this run only)");
    }
  }

  static final String COMMON_POOL_PARALLELISM =
      "java.util.concurrent.ForkJoinPool.common.parallelism";

  /**
   * On one or two CPUs the JVM gives the common fork-join pool a parallelism of 1, and then every
   * {@code CompletableFuture} step that runs "async" without an executor starts a new thread. The
   * JDK's {@code HttpClient.sendAsync} completes each call through such a step, so a broker of a
   * cluster started one thread per forwarded request (1,000 thread starts per 1,000 forwards in
   * JFR; docs/benchmarks.md, issue 15). A parallelism of 2 makes those steps run on two pooled
   * threads instead. Unchanged with more CPUs (their default is higher) or when JAVA_OPTS sets it.
   */
  static List<String> commonPoolOptions(int cpus, List<String> javaOpts) {
    if (cpus > 2
        || javaOpts.stream().anyMatch(o -> o.startsWith("-D" + COMMON_POOL_PARALLELISM + "="))) {
      return List.of();
    }
    return List.of("-D" + COMMON_POOL_PARALLELISM + "=2");
  }

  private List<String> command(BrokerSettings settings, Map<String, String> env) {
    List<String> cmd = new ArrayList<>();
    String javaHome = env.getOrDefault("JAVA_HOME", "");
    cmd.add(javaHome.isEmpty() ? "java" : javaHome + "/bin/java");
    // JAVA_OPTS is a list of JVM options, split on white space as the script did.
    List<String> javaOpts = new ArrayList<>();
    for (String option : env.getOrDefault("JAVA_OPTS", "").trim().split("\\s+")) {
      if (!option.isEmpty()) {
        javaOpts.add(option);
      }
    }
    cmd.addAll(JvmMemoryOptions.before(javaOpts, JvmMemoryOptions.canTrimNativeHeap()));
    if (settings.cluster().clustered()) {
      cmd.addAll(ClusterSettings.HEARTBEAT_OPTIONS);
    }
    cmd.addAll(javaOpts);
    // The log manager keeps the console handler open through SIGTERM, so what the broker logs
    // while it drains is not lost. Without its jar (a copy of the artifacts that lacks it) the
    // broker runs the same, only those lines are lost.
    if (Files.isRegularFile(loggingJar())) {
      cmd.add("-Xbootclasspath/a:" + loggingJar());
      cmd.add("-Djava.util.logging.manager=" + LOG_MANAGER);
    }
    // Payara's JSON log formatter builds each log line with jakarta.json.Json, which finds its
    // provider through the service loader on every call; through the web application's class
    // loader that scans every jar of the server (a seventh of the broker's CPU per request;
    // docs/benchmarks.md). Naming the provider makes JSON-P load it directly instead.
    cmd.add("-Djakarta.json.provider=org.eclipse.parsson.JsonProviderImpl");
    cmd.addAll(commonPoolOptions(Runtime.getRuntime().availableProcessors(), javaOpts));
    cmd.add("-D" + BrokerProperties.LOG_LEVEL + "=" + settings.logLevel());
    cmd.add("-D" + BrokerProperties.ALLOW_ANONYMOUS + "=" + settings.allowAnonymous());
    cmd.add("-D" + BrokerProperties.CONNECTOR_CONFIG + "=" + settings.connectorConfig());
    cmd.add("-D" + BrokerProperties.USER_CONFIG + "=" + settings.userConfig());
    cmd.addAll(List.of("-jar", payaraJar().toString()));
    cmd.addAll(settings.cluster().payaraOptions());
    cmd.add("--disablephonehome");
    cmd.addAll(List.of("--port", Integer.toString(settings.port())));
    if (settings.tls() != null) {
      // No --sslport: it would open the HTTPS listener before the broker is deployed; the boot
      // command files set its port and open it once deployed.
      cmd.addAll(List.of("--sslcert", settings.tls().alias()));
    }
    cmd.addAll(List.of("--rootdir", runDir.resolve("payara").toString()));
    cmd.addAll(List.of("--systemproperties", runDir.resolve("secrets.properties").toString()));
    cmd.addAll(List.of("--logproperties", payaraConf().resolve("logging.properties").toString()));
    cmd.addAll(List.of("--prebootcommandfile", runDir.resolve("pre-boot-commands.txt").toString()));
    cmd.addAll(
        List.of("--postbootcommandfile", runDir.resolve("post-boot-commands.txt").toString()));
    return cmd;
  }

  /** A template with each {@code @NAME@} replaced literally (no regex, no shell). */
  private String fill(String template, Map<String, String> values) throws IOException {
    String text = Files.readString(payaraConf().resolve(template), StandardCharsets.UTF_8);
    for (Map.Entry<String, String> value : values.entrySet()) {
      text = text.replace(value.getKey(), value.getValue());
    }
    return text;
  }

  private static boolean ownedByMe(Path dir) throws IOException {
    return Files.getOwner(dir).getName().equals(System.getProperty("user.name"));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder())
          .forEach(
              path -> {
                try {
                  Files.deleteIfExists(path);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }
}
