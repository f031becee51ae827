package io.remotellm.payaramicro;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run directory the launcher writes for Payara Micro, from the module's real templates in
 * server-config/payara-micro, in an installation whose path holds a #, an & and a space (the sed of
 * the old script broke on the first two).
 */
class PayaraMicroRunTest {

  @TempDir Path tmp;
  private Path root;
  private Path runDir;
  private final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void installation() throws Exception {
    root = tmp.resolve("opt #1 & co");
    Path conf = Files.createDirectories(root.resolve("server-config/payara-micro"));
    try (var templates = Files.list(Path.of("../payara-micro"))) {
      for (Path template : templates.toList()) {
        Files.copy(template, conf.resolve(template.getFileName()));
      }
    }
    runDir =
        tmp.resolve("run").resolve(PayaraMicroRun.RUN_DIR_PREFIX + ProcessHandle.current().pid());
    Files.createDirectories(runDir.getParent());
    env.put("REMOTELLM_LAUNCHER_ROOT", root.toString());
    env.put("REMOTELLM_LAUNCHER_RUN_DIR", runDir.toString());
    env.put("REMOTELLM_LAUNCHER_COMMAND_FILE", tmp.resolve("command").toString());
  }

  private int launch(String... args) {
    return BrokerLauncher.run(args, env, new PrintStream(new ByteArrayOutputStream()), quiet());
  }

  private static PrintStream quiet() {
    return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
  }

  private List<String> command() throws Exception {
    String text = Files.readString(tmp.resolve("command"), StandardCharsets.UTF_8);
    assertThat(text).endsWith("\0");
    return List.of(text.substring(0, text.length() - 1).split("\0", -1));
  }

  @Test
  void databaseSettingsReachTheBrokerOffTheCommandLine() throws Exception {
    Path password = Files.writeString(tmp.resolve("db.pass"), "pw#1\n");
    String url = "jdbc:postgresql://db:5432/remotellm?sslmode=require";
    assertThat(
            launch(
                "--database-url",
                url,
                "--database-user",
                "ledger",
                "--database-password-file",
                password.toString(),
                "--data-dir",
                tmp.resolve("data dir").toString()))
        .isEqualTo(0);
    Properties loaded = new Properties();
    try (InputStream in = Files.newInputStream(runDir.resolve("secrets.properties"))) {
      loaded.load(in);
    }
    assertThat(loaded.getProperty("remotellm.broker.database-url")).isEqualTo(url);
    assertThat(loaded.getProperty("remotellm.broker.database-user")).isEqualTo("ledger");
    assertThat(loaded.getProperty("remotellm.broker.database-password-file"))
        .isEqualTo(password.toString());
    assertThat(loaded.getProperty("remotellm.broker.data-dir"))
        .isEqualTo(tmp.resolve("data dir").toString());
    assertThat(Files.readString(runDir.resolve("secrets.properties"))).doesNotContain("pw#1");
    assertThat(String.join(" ", command())).doesNotContain("postgresql").doesNotContain("pw#1");
  }

  @Test
  void bootFilesCarryTheValuesLiterally() throws Exception {
    assertThat(launch("--host", "127.0.0.1", "--health-port", "9081", "--port", "9080"))
        .isEqualTo(0);
    String pre = Files.readString(runDir.resolve("pre-boot-commands.txt"));
    String post = Files.readString(runDir.resolve("post-boot-commands.txt"));
    assertThat(pre)
        .contains("http-listener.address=127.0.0.1")
        .doesNotContain("https-listener")
        .doesNotContain("@HOST@");
    assertThat(post)
        .contains("--listeneraddress 127.0.0.1 --listenerport 9081 ")
        .contains("--contextroot / " + root.resolve("broker-war/target/remotellm-broker.war"))
        .doesNotContain("@HOST@")
        .doesNotContain("@WAR@");
  }

  @Test
  void theApiPortStaysClosedUntilTheBrokerIsDeployed() throws Exception {
    assertThat(launch("--port", "9080")).isEqualTo(0);
    String enabled = "network-listener.http-listener.enabled=";
    assertThat(Files.readString(runDir.resolve("pre-boot-commands.txt")))
        .contains(enabled + "false")
        .doesNotContain(enabled + "true");
    List<String> post =
        Files.readString(runDir.resolve("post-boot-commands.txt"))
            .lines()
            .filter(line -> !line.startsWith("#") && !line.isBlank())
            .toList();
    assertThat(post.get(post.size() - 1)).endsWith(enabled + "true");
    assertThat(post.get(post.size() - 2)).startsWith("deploy ");
  }

  @Test
  void secretsGoToAnOwnerOnlyFileAndKeepEveryCharacter() throws Exception {
    String key = "sk-a#b&c d'e\"f\\g=h:i";
    String token = "tok#&\\n";
    assertThat(
            launch(
                "--user-api-key",
                key,
                "--user-api-key",
                "k2",
                "--connector-token",
                token,
                "--metrics-token",
                "mt-secret",
                "--admin-key",
                "adm-1",
                "--admin-key",
                "adm-2"))
        .isEqualTo(0);
    Path secrets = runDir.resolve("secrets.properties");
    assertThat(Files.getPosixFilePermissions(secrets))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getPosixFilePermissions(runDir))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    Properties loaded = new Properties();
    try (InputStream in = Files.newInputStream(secrets)) {
      loaded.load(in);
    }
    assertThat(loaded.getProperty("remotellm.broker.user-api-keys")).isEqualTo(key + ",k2");
    assertThat(loaded.getProperty("remotellm.broker.connector-tokens")).isEqualTo(token);
    assertThat(loaded.getProperty("remotellm.broker.metrics-token")).isEqualTo("mt-secret");
    assertThat(loaded.getProperty("remotellm.broker.admin-keys")).isEqualTo("adm-1,adm-2");
    assertThat(String.join(" ", command()))
        .doesNotContain(key)
        .doesNotContain("tok#&")
        .doesNotContain("mt-secret")
        .doesNotContain("adm-1");
  }

  @Test
  void theCommandLineIsPayaraMicrosWithEachValueOneArgument() throws Exception {
    Path config = Files.writeString(tmp.resolve("conn #& 'x\".yaml"), "connectors: []\n");
    Path users = Files.writeString(tmp.resolve("users.yaml"), "users: []\n");
    env.put("JAVA_HOME", "/opt/jdk 17");
    env.put("JAVA_OPTS", "  -Xmx1g   -Dx=y ");
    Path logging =
        root.resolve(
            "server-config/payara-micro-launcher/target/remotellm-payara-micro-logging.jar");
    Files.createDirectories(logging.getParent());
    Files.writeString(logging, "stand-in");
    assertThat(
            launch(
                "--connector-config",
                config.toString(),
                "--user-config",
                users.toString(),
                "--log-level=warning",
                "--allow-anonymous",
                "--port",
                "9443"))
        .isEqualTo(0);
    List<String> cmd = command();
    List<String> defaults =
        JvmMemoryOptions.before(List.of("-Xmx1g"), JvmMemoryOptions.canTrimNativeHeap());
    assertThat(cmd.subList(0, defaults.size() + 3))
        .containsExactlyElementsOf(
            concat(concat(List.of("/opt/jdk 17/bin/java"), defaults), List.of("-Xmx1g", "-Dx=y")));
    assertThat(cmd)
        .contains(
            "-Xbootclasspath/a:" + logging,
            "-Djava.util.logging.manager=" + PayaraMicroRun.LOG_MANAGER,
            "-Dremotellm.broker.connector-config=" + config.toRealPath(),
            "-Dremotellm.broker.user-config=" + users.toRealPath(),
            "-Dremotellm.broker.log-level=WARNING",
            "-Dremotellm.broker.allow-anonymous=true",
            "--nohazelcast",
            "--disablephonehome")
        .containsSubsequence("-jar", root.resolve("broker-war/target/payara-micro.jar").toString())
        .containsSubsequence("--port", "9443")
        .containsSubsequence("--systemproperties", runDir.resolve("secrets.properties").toString())
        .containsSubsequence(
            "--prebootcommandfile", runDir.resolve("pre-boot-commands.txt").toString())
        .containsSubsequence(
            "--logproperties",
            root.resolve("server-config/payara-micro/logging.properties").toString())
        .doesNotContain("--sslport");
  }

  @Test
  void theHeapIsBoundedUnlessJavaOptsSizesIt() throws Exception {
    env.put("JAVA_OPTS", "-Dremotellm.broker.max-body-bytes=1024 -XX:MaxHeapFreeRatio=50");
    assertThat(launch()).isEqualTo(0);
    List<String> defaults =
        JvmMemoryOptions.before(List.of(), JvmMemoryOptions.canTrimNativeHeap());
    // The memory defaults first, then JAVA_OPTS: the JVM takes the last of a repeated option.
    assertThat(command().subList(1, defaults.size() + 3))
        .startsWith("-Xmx384m", "-XX:G1PeriodicGCInterval=10000")
        .containsExactlyElementsOf(
            concat(
                defaults,
                List.of("-Dremotellm.broker.max-body-bytes=1024", "-XX:MaxHeapFreeRatio=50")));
    for (String sizing : List.of("-XX:MaxRAMPercentage=60", "-Xmx2g", "-XX:MaxHeapSize=1g")) {
      // Each launch needs a fresh run directory.
      env.put(
          "REMOTELLM_LAUNCHER_RUN_DIR",
          runDir.resolveSibling(runDir.getFileName() + "x").toString());
      runDir = Path.of(env.get("REMOTELLM_LAUNCHER_RUN_DIR"));
      env.put("JAVA_OPTS", sizing);
      assertThat(launch()).isEqualTo(0);
      assertThat(command())
          .contains(sizing, "-XX:G1PeriodicGCInterval=10000")
          .doesNotContain("-Xmx384m");
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  @Test
  void onTwoCpusOrFewerTheCommonPoolGetsTwoThreadsUnlessJavaOptsSetsIt() throws Exception {
    String two = "-D" + PayaraMicroRun.COMMON_POOL_PARALLELISM + "=2";
    assertThat(PayaraMicroRun.commonPoolOptions(1, List.of())).containsExactly(two);
    assertThat(PayaraMicroRun.commonPoolOptions(2, List.of("-Xmx1g"))).containsExactly(two);
    assertThat(PayaraMicroRun.commonPoolOptions(3, List.of())).isEmpty();
    String own = "-D" + PayaraMicroRun.COMMON_POOL_PARALLELISM + "=1";
    assertThat(PayaraMicroRun.commonPoolOptions(2, List.of(own))).isEmpty();
    // And on the command line the launcher writes, once at most, after JAVA_OPTS.
    env.put("JAVA_OPTS", own);
    assertThat(launch()).isEqualTo(0);
    assertThat(command()).contains(own).doesNotContain(two);
  }

  @Test
  void withoutTheLoggingJarTheBrokerStillStarts() throws Exception {
    assertThat(launch()).isEqualTo(0);
    assertThat(command()).noneMatch(arg -> arg.startsWith("-Xbootclasspath"));
  }

  @Test
  void runDirectoriesOfGoneServersAreRemovedOthersKept() throws Exception {
    Path parent = runDir.getParent();
    long gone = new ProcessBuilder("true").start().onExit().get().pid();
    Path stale = Files.createDirectories(parent.resolve("remotellm-broker." + gone + "/payara"));
    Path alive = Files.createDirectories(parent.resolve("remotellm-broker.1"));
    Path other = Files.createDirectories(parent.resolve("remotellm-broker.notapid"));
    Files.createDirectories(runDir.resolve("payara/old"));
    assertThat(launch()).isEqualTo(0);
    assertThat(stale.getParent()).doesNotExist();
    assertThat(alive).exists();
    assertThat(other).exists();
    // This run's directory starts fresh.
    assertThat(runDir.resolve("payara/old")).doesNotExist();
  }

  @Test
  void helpCheckAndPrintEnvStartNothing() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
    assertThat(BrokerLauncher.run(new String[] {"--help"}, env, print, quiet())).isEqualTo(0);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(BrokerLauncher.usage());
    assertThat(launch("--check", "--port", "9")).isEqualTo(0);
    assertThat(launch("--check", "--port", "x")).isEqualTo(2);
    out.reset();
    assertThat(
            BrokerLauncher.run(
                new String[] {"--print-env", "--user-api-key", "it's"}, env, print, quiet()))
        .isEqualTo(0);
    // What was given is set; a default is a comment, so a later default reaches the service.
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("\n# REMOTELLM_BROKER_PORT='8443'   (default)\n")
        .contains("\nREMOTELLM_BROKER_USER_API_KEYS='it'\"'\"'s'\n");
    // Files are the target machine's: not read here, only made absolute.
    out.reset();
    assertThat(
            BrokerLauncher.run(
                new String[] {"--print-env", "--connector-config", "not/yet.yaml"},
                env,
                print,
                quiet()))
        .isEqualTo(0);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains(
            "\nREMOTELLM_BROKER_CONNECTOR_CONFIG='"
                + Path.of("not/yet.yaml").toAbsolutePath()
                + "'\n");
    out.reset();
    assertThat(BrokerLauncher.run(new String[] {"--print-options"}, env, print, quiet()))
        .isEqualTo(0);
    assertThat(out.toString(StandardCharsets.UTF_8).lines())
        .contains("--port=", "--connector-token=", "--allow-anonymous", "--data-dir=")
        .doesNotContain("--help", "--check", "--print-env", "--print-options")
        .hasSize(24);
    assertThat(runDir).doesNotExist();
    assertThat(tmp.resolve("command")).doesNotExist();
  }

  @Test
  void withoutTheScriptsVariablesItSaysHowToStart() {
    env.clear();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertThat(
            BrokerLauncher.run(
                new String[0], env, quiet(), new PrintStream(err, true, StandardCharsets.UTF_8)))
        .isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("bin/remotellm-broker");
  }
}
