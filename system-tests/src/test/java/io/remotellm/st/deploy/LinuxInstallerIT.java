package io.remotellm.st.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/install-linux.sh, staged into a scratch root with --dest-root: the units it writes pass
 * systemd's own checker, the env files read the same to systemd and to bash, no secret reaches the
 * terminal, and a reinstall or uninstall leaves the operator's settings alone.
 */
class LinuxInstallerIT {

  /** Every secret carries this marker, so a test can tell that none of it was printed. */
  static final String MARK = "S3CR3T";

  // Values that broke the seed's env files: spaces, both quotes, $, backticks, backslashes,
  // comment and command characters, a trailing space.
  static final List<String> CONNECTOR_TOKENS =
      List.of(
          "ct-" + MARK + "-plain-7f3a9c",
          "ct " + MARK + " with spaces",
          "ct-" + MARK + "-it's-\"both\"-quoted",
          "ct-" + MARK + "-$HOME-${PATH}-`id`-\\back #hash ;semi & amp ");
  static final String BROKER_TOKEN = "bt-" + MARK + "-'\"$PATH\\n-tail";
  static final String LLM_API_KEY = "llm-" + MARK + "-${x:-y} $(id)";

  @TempDir Path tmp;
  Path source;
  Path root;
  Path pwned;

  @BeforeEach
  void stageSourceTree() throws IOException {
    source = Installer.fakeSourceTree(tmp.resolve("source"));
    root = tmp.resolve("root");
    pwned = tmp.resolve("pwned");
  }

  List<String> userApiKeys() {
    // A command substitution that would leave a file behind if anything evaluated it.
    return List.of("sk-" + MARK + "-user-1", "sk-" + MARK + "-$(touch " + pwned + ")-2");
  }

  List<String> bothWithTrickyValues(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of("--source", source.toString(), "--dest-root", root.toString(), "--no-start"));
    for (String token : CONNECTOR_TOKENS) {
      args.addAll(List.of("--connector-token", token));
    }
    for (String key : userApiKeys()) {
      args.addAll(List.of("--user-api-key", key));
    }
    args.addAll(
        List.of(
            "--port", "18443",
            "--broker-health-port", "18080",
            "--broker-url", "wss://broker.example.com:8443/ws",
            "--broker-token", BROKER_TOKEN,
            "--llm-api-key", LLM_API_KEY,
            "--model", "llama3.2",
            "--model", "qwen 2.5 coder"));
    args.addAll(List.of(extra));
    return args;
  }

  Path at(String absolute) {
    return root.resolve(absolute.substring(1));
  }

  @Test
  void unitsPassSystemdAnalyzeVerify() throws Exception {
    Installer.linux().run(bothWithTrickyValues()).assertSuccess();
    stageSystemdUnits();

    Verify verify = verify("remotellm-broker.service", "remotellm-connector.service");
    assertThat(verify.exitCode())
        .as("systemd-analyze verify exit code; output:\n%s", verify.output())
        .isZero();
    assertThat(verify.output()).as("systemd-analyze verify found problems").isBlank();

    // The check has teeth: with the launcher gone from the scratch root it fails.
    Files.delete(at("/opt/remotellm/bin/remotellm-broker"));
    Verify broken = verify("remotellm-broker.service");
    assertThat(broken.exitCode()).isNotZero();
    assertThat(broken.output()).contains("/opt/remotellm/bin/remotellm-broker");
  }

  /**
   * systemd's own hardening score stays in its "OK" band (exposure at most 4.0 of 10; the units
   * score 3.4 and 3.2 when written), so a dropped sandboxing setting fails here.
   */
  @Test
  void unitsKeepSystemdsExposureScoreInTheOkBand() throws Exception {
    Installer.linux().run(bothWithTrickyValues()).assertSuccess();
    stageSystemdUnits();
    for (String unit : List.of("remotellm-broker.service", "remotellm-connector.service")) {
      Verify security =
          analyze("security", "--offline=true", "--threshold=40", "--root=" + root, unit);
      assertThat(security.exitCode())
          .as("systemd-analyze security %s:\n%s", unit, security.output())
          .isZero();
    }
  }

  @Test
  void unitsRestartOnFailureHardenAndOutwaitTheBrokersDrain() {
    Installer.linux().run(bothWithTrickyValues()).assertSuccess();
    for (String component : List.of("broker", "connector")) {
      UnitFile unit = UnitFile.read(at("/etc/systemd/system/remotellm-" + component + ".service"));
      assertThat(unit.words("Unit", "After")).contains("network-online.target");
      assertThat(unit.words("Unit", "Wants")).contains("network-online.target");
      assertThat(unit.get("Service", "User")).isEqualTo("remotellm");
      assertThat(unit.get("Service", "EnvironmentFile"))
          .isEqualTo("/etc/remotellm/" + component + ".env");
      String execStart = unit.get("Service", "ExecStart");
      assertThat(execStart).isEqualTo("/opt/remotellm/bin/remotellm-" + component);
      assertThat(at(execStart)).isExecutable();
      assertThat(unit.get("Service", "Restart")).isEqualTo("on-failure");
      assertThat(unit.get("Service", "RestartSec")).isNotBlank();
      assertThat(unit.get("Service", "KillSignal")).isEqualTo("SIGTERM");
      assertThat(Integer.parseInt(unit.get("Service", "TimeoutStopSec")))
          .as("TimeoutStopSec must outlast the 30 s drain")
          .isGreaterThan(30);
      assertThat(unit.words("Service", "SuccessExitStatus")).contains("143");
      assertThat(unit.get("Service", "NoNewPrivileges")).isEqualTo("yes");
      assertThat(unit.get("Service", "ProtectSystem")).isEqualTo("strict");
      assertThat(unit.get("Service", "ProtectHome")).isEqualTo("yes");
      assertThat(unit.get("Service", "PrivateTmp")).isEqualTo("yes");
      assertThat(unit.words("Service", "ReadWritePaths"))
          .contains("/var/lib/remotellm", "/var/log/remotellm");
      String workingDirectory = unit.get("Service", "WorkingDirectory");
      assertThat(workingDirectory).startsWith("/var/lib/remotellm/");
      assertThat(at(workingDirectory)).isDirectory();
      assertThat(unit.all("Service", "MemoryDenyWriteExecute"))
          .as("the JVM's JIT needs W+X memory")
          .isEmpty();
      assertThat(unit.words("Install", "WantedBy")).contains("multi-user.target");
    }
  }

  @Test
  void envFilesReadTheSameToSystemdAndToBash() throws IOException {
    Installer.linux().run(bothWithTrickyValues()).assertSuccess();

    Path brokerEnv = at("/etc/remotellm/broker.env");
    Map<String, String> systemd = EnvFiles.readLikeSystemd(brokerEnv);
    assertThat(EnvFiles.readLikeBash(brokerEnv)).isEqualTo(systemd);
    assertThat(systemd)
        .containsEntry("REMOTELLM_BROKER_PORT", "18443")
        .containsEntry("REMOTELLM_BROKER_HEALTH_PORT", "18080")
        .containsEntry("REMOTELLM_BROKER_CONNECTOR_TOKENS", String.join(",", CONNECTOR_TOKENS))
        .containsEntry("REMOTELLM_BROKER_USER_API_KEYS", String.join(",", userApiKeys()))
        .containsEntry("REMOTELLM_BROKER_CONNECTOR_CONFIG", "/etc/remotellm/connectors.yaml")
        // What nobody chose is left to the program (a comment shows its default), so an
        // upgrade's new default reaches it.
        .doesNotContainKeys("REMOTELLM_BROKER_HOST", "REMOTELLM_BROKER_LOG_LEVEL");
    assertThat(Files.readString(brokerEnv))
        .contains("\n# REMOTELLM_BROKER_HOST='0.0.0.0'   (default)\n")
        .contains("\n# REMOTELLM_BROKER_LOG_LEVEL='INFO'   (default)\n");

    Path connectorEnv = at("/etc/remotellm/connector.env");
    systemd = EnvFiles.readLikeSystemd(connectorEnv);
    assertThat(EnvFiles.readLikeBash(connectorEnv)).isEqualTo(systemd);
    assertThat(systemd)
        .containsEntry("REMOTELLM_LLM_API_KEY", LLM_API_KEY)
        .containsEntry("REMOTELLM_BROKER_URL", "wss://broker.example.com:8443/ws")
        .containsEntry("REMOTELLM_BROKER_TOKEN", BROKER_TOKEN)
        .containsEntry("REMOTELLM_MODELS", "llama3.2,qwen 2.5 coder")
        .containsEntry("REMOTELLM_HEALTH_PORT", "8081")
        .doesNotContainKeys("REMOTELLM_LLM_URL", "REMOTELLM_LOG_LEVEL");
    assertThat(Files.readString(connectorEnv))
        .contains("\n# REMOTELLM_LLM_URL='http://localhost:11434'   (default)\n");

    assertThat(pwned).as("a value was evaluated as a command").doesNotExist();
    for (Path env : List.of(brokerEnv, connectorEnv, at("/etc/remotellm/connectors.yaml"))) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(env)))
          .as("%s must not be world-readable", env)
          .isEqualTo("rw-r-----");
    }
  }

  /**
   * Keeps {@link EnvFiles#readLikeSystemd} honest: systemd's own parser, as this machine's systemd
   * package ships it in the environment.d generator, reads an installer-written file the same way.
   * That generator also expands $VAR, which EnvironmentFile= does not, so the values here have
   * every other hard character but no $.
   */
  @Test
  void systemdItselfReadsTheEnvFilesAsTheTestsDo() throws Exception {
    Path generator =
        Stream.of(
                "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator",
                "/lib/systemd/user-environment-generators/30-systemd-environment-d-generator")
            .map(Path::of)
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    if (generator == null) {
      MissingTool.missing(
          "systemd's environment.d generator is missing: install Debian's systemd package (apt-get"
              + " install -y systemd)",
          null);
    }
    List<String> tokens =
        List.of(
            "ct " + MARK + " it's \"quoted\"",
            "ct-" + MARK + "-`id`-\\back #hash ;semi & ",
            " lead");
    List<String> args =
        new ArrayList<>(
            List.of(
                "--source",
                source.toString(),
                "--dest-root",
                root.toString(),
                "--no-start",
                "--broker"));
    for (String token : tokens) {
      args.addAll(List.of("--connector-token", token));
    }
    Installer.linux().run(args).assertSuccess();

    Path home = Files.createDirectories(tmp.resolve("home/.config/environment.d"));
    Files.copy(at("/etc/remotellm/broker.env"), home.resolve("50-broker.conf"));
    Process process =
        new ProcessBuilder("env", "-i", "HOME=" + tmp.resolve("home"), generator.toString())
            .start();
    process.getOutputStream().close();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(err).isZero();
    // The generator prints shell assignments, quoted for a shell to read back.
    Path printed = tmp.resolve("printed.env");
    Files.writeString(printed, out);
    Map<String, String> bySystemd = EnvFiles.readLikeBash(printed);

    assertThat(bySystemd)
        .containsEntry("REMOTELLM_BROKER_CONNECTOR_TOKENS", String.join(",", tokens));
    assertThat(EnvFiles.readLikeSystemd(at("/etc/remotellm/broker.env"))).isEqualTo(bySystemd);
  }

  @Test
  void theSeedsEnvVariablesAreTakenWhenNoOptionsAreGiven() {
    Map<String, String> env =
        Map.of(
            "REMOTELLM_BROKER_CONNECTOR_TOKENS", "ct-" + MARK + "-a,ct-" + MARK + "-b",
            "REMOTELLM_BROKER_USER_API_KEYS", "sk-" + MARK + "-a",
            "REMOTELLM_BROKER_PORT", "9443",
            "REMOTELLM_BROKER_URL", "ws://10.0.0.5:9443/ws",
            "REMOTELLM_BROKER_TOKEN", "ct-" + MARK + "-a",
            "REMOTELLM_MODELS", "m1,m2",
            "REMOTELLM_LLM_URL", "demo");
    Installer.Result result =
        Installer.linux()
            .run(
                env,
                List.of(
                    "--source", source.toString(), "--dest-root", root.toString(), "--no-start"))
            .assertSuccess();
    assertThat(result.output()).doesNotContain(MARK);

    Map<String, String> broker = EnvFiles.readLikeSystemd(at("/etc/remotellm/broker.env"));
    assertThat(broker)
        .containsEntry("REMOTELLM_BROKER_CONNECTOR_TOKENS", "ct-" + MARK + "-a,ct-" + MARK + "-b")
        .containsEntry("REMOTELLM_BROKER_PORT", "9443");
    Map<String, String> connector = EnvFiles.readLikeSystemd(at("/etc/remotellm/connector.env"));
    assertThat(connector)
        .containsEntry("REMOTELLM_BROKER_URL", "ws://10.0.0.5:9443/ws")
        .containsEntry("REMOTELLM_MODELS", "m1,m2")
        .containsEntry("REMOTELLM_LLM_URL", "demo")
        .doesNotContainKey("REMOTELLM_LLM_API_KEY");
    assertThat(EnvFiles.readLikeBash(at("/etc/remotellm/connector.env"))).isEqualTo(connector);
  }

  @Test
  void noSecretIsPrintedByInstallDryRunReinstallOrUninstall() {
    List<Installer.Result> runs = new ArrayList<>();
    runs.add(Installer.linux().run(bothWithTrickyValues("--dry-run")).assertSuccess());
    runs.add(Installer.linux().run(bothWithTrickyValues()).assertSuccess());
    runs.add(Installer.linux().run(bothWithTrickyValues()).assertSuccess());
    runs.add(
        Installer.linux()
            .run(List.of("--dest-root", root.toString(), "--uninstall", "--dry-run"))
            .assertSuccess());
    runs.add(
        Installer.linux()
            .run(List.of("--dest-root", root.toString(), "--uninstall"))
            .assertSuccess());
    for (Installer.Result run : runs) {
      assertThat(run.output()).as("installer output").doesNotContain(MARK);
    }
    // Nor does a refusal echo the value it refuses. A fresh root: where an env file is kept (as
    // uninstall keeps them), the values given are not even looked at.
    Installer.Result refused =
        Installer.linux()
            .run(
                List.of(
                    "--source",
                    source.toString(),
                    "--dest-root",
                    tmp.resolve("fresh").toString(),
                    "--broker",
                    "--connector-token",
                    "ct-" + MARK + ",with-comma"));
    assertThat(refused.exitCode()).isNotZero();
    assertThat(refused.stderr()).contains("comma").doesNotContain(MARK);
    for (List<String> typo :
        List.of(
            List.of("--conector-token=ct-" + MARK),
            List.of(
                "--connector",
                "--broker-url",
                "ws://b/ws",
                "--broker-token",
                "t",
                "--llm-url",
                "ftp://user:" + MARK + "@llm"))) {
      // A fresh root: where an env file is kept, the values given are not even looked at.
      List<String> args =
          new ArrayList<>(
              List.of(
                  "--source", source.toString(), "--dest-root", tmp.resolve("fresh").toString()));
      args.addAll(typo);
      Installer.Result result = Installer.linux().run(args);
      assertThat(result.exitCode()).as("%s", result.output()).isNotZero();
      assertThat(result.stderr()).isNotBlank().doesNotContain(MARK);
    }
  }

  @Test
  void aDryRunChangesNothingAndSaysWhatItWouldDo() throws IOException {
    Installer.Result result =
        Installer.linux().run(bothWithTrickyValues("--dry-run")).assertSuccess();
    assertThat(root).as("--dry-run wrote to the dest root").doesNotExist();
    assertThat(result.stdout())
        .contains("write /etc/remotellm/broker.env (mode 0640, root:remotellm)")
        .contains("write /etc/systemd/system/remotellm-connector.service")
        .contains("useradd --system")
        .contains("systemctl enable remotellm-broker.service");
  }

  @Test
  void aReinstallKeepsTheOperatorsSettingsAndRenewsTheUnits() throws IOException {
    Installer.linux().run(bothWithTrickyValues()).assertSuccess();
    Path brokerEnv = at("/etc/remotellm/broker.env");
    Path connectorEnv = at("/etc/remotellm/connector.env");
    Path yaml = at("/etc/remotellm/connectors.yaml");
    Path unit = at("/etc/systemd/system/remotellm-broker.service");
    Files.writeString(brokerEnv, "REMOTELLM_BROKER_PORT='1234'\n# edited by the operator\n");
    Files.writeString(connectorEnv, "REMOTELLM_BROKER_URL='ws://edited/ws'\n");
    Files.writeString(yaml, "connectors:\n  - token: \"edited\"\n");
    Files.writeString(unit, "[Unit]\nDescription=stale\n");

    Installer.Result again =
        Installer.linux()
            .run(
                List.of(
                    "--source",
                    source.toString(),
                    "--dest-root",
                    root.toString(),
                    "--no-start",
                    "--port",
                    "9999",
                    "--broker-url",
                    "ws://other/ws",
                    "--broker-token",
                    "bt-" + MARK))
            .assertSuccess();

    assertThat(brokerEnv).hasContent("REMOTELLM_BROKER_PORT='1234'\n# edited by the operator");
    assertThat(connectorEnv).hasContent("REMOTELLM_BROKER_URL='ws://edited/ws'");
    assertThat(yaml).hasContent("connectors:\n  - token: \"edited\"");
    assertThat(UnitFile.read(unit).get("Service", "ExecStart"))
        .isEqualTo("/opt/remotellm/bin/remotellm-broker");
    assertThat(again.stdout()).contains("kept /etc/remotellm/broker.env");
    assertThat(again.stderr()).contains("values given now were not used");
    assertThat(again.output()).doesNotContain(MARK);
  }

  @Test
  void uninstallRemovesServicesAndProgramButKeepsSettingsUnlessPurged() {
    Installer.linux().run(bothWithTrickyValues()).assertSuccess();

    Installer.linux()
        .run(List.of("--dest-root", root.toString(), "--uninstall", "--connector"))
        .assertSuccess();
    assertThat(at("/etc/systemd/system/remotellm-connector.service")).doesNotExist();
    assertThat(at("/etc/systemd/system/remotellm-broker.service")).exists();
    assertThat(at("/opt/remotellm/bin/remotellm-broker")).exists();
    assertThat(at("/etc/remotellm/connector.env")).exists();

    Installer.linux().run(List.of("--dest-root", root.toString(), "--uninstall")).assertSuccess();
    assertThat(at("/etc/systemd/system/remotellm-broker.service")).doesNotExist();
    assertThat(at("/opt/remotellm")).doesNotExist();
    assertThat(at("/etc/remotellm/broker.env")).exists();
    assertThat(at("/etc/remotellm/connector.env")).exists();
    assertThat(at("/etc/remotellm/connectors.yaml")).exists();

    Installer.Result purge =
        Installer.linux()
            .run(List.of("--dest-root", root.toString(), "--uninstall", "--purge"))
            .assertSuccess();
    assertThat(at("/etc/remotellm")).doesNotExist();
    assertThat(at("/var/lib/remotellm")).doesNotExist();
    assertThat(at("/var/log/remotellm")).doesNotExist();
    assertThat(purge.stdout()).contains("userdel remotellm");
  }

  @Test
  void aConnectorWithoutBrokerUrlOrTokenIsRefusedBeforeAnythingIsWritten() {
    Installer.Result result =
        Installer.linux()
            .run(
                List.of(
                    "--source", source.toString(), "--dest-root", root.toString(), "--no-start"));
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr())
        .contains("missing --broker-url (or REMOTELLM_BROKER_URL) and --broker-token")
        .contains("to install only the broker, pass --broker");
    assertThat(root.resolve("etc")).doesNotExist();
    assertThat(root.resolve("opt")).doesNotExist();

    // The broker alone needs neither.
    Installer.linux()
        .run(
            List.of(
                "--source",
                source.toString(),
                "--dest-root",
                root.toString(),
                "--no-start",
                "--broker"))
        .assertSuccess();
    assertThat(at("/etc/systemd/system/remotellm-broker.service")).exists();
    assertThat(at("/etc/systemd/system/remotellm-connector.service")).doesNotExist();
  }

  @Test
  void badValuesAreRefusedWithTheReason() {
    record Case(List<String> args, String reason) {}
    List<Case> cases =
        List.of(
            new Case(List.of("--broker", "--port", "84x3"), "port number"),
            new Case(List.of("--broker", "--port", "8080"), "must differ"),
            new Case(List.of("--broker", "--user-api-key", "a\nb"), "line break"),
            new Case(
                List.of("--connector", "--broker-url", "http://b/ws", "--broker-token", "t"),
                "ws://"),
            new Case(List.of("--health-port", "1"), "ambiguous"),
            new Case(List.of("--broker", "--allow-anonymous=yes"), "takes no value"),
            new Case(List.of("--frobnicate"), "unknown option '--frobnicate'"));
    for (Case c : cases) {
      List<String> args =
          new ArrayList<>(List.of("--source", source.toString(), "--dest-root", root.toString()));
      args.addAll(c.args());
      Installer.Result result = Installer.linux().run(args);
      assertThat(result.exitCode()).as("%s", c.args()).isNotZero();
      assertThat(result.stderr()).as("%s", c.args()).contains(c.reason());
    }
  }

  /**
   * An env file holds what the program meant: the program, given the file's variables as systemd
   * reads them and no flag, prints the same file again, hard values (#, &, spaces, both quotes, $,
   * backslashes) and all. And a flag an installer never heard of reaches it.
   */
  @Test
  void eachProgramReadsItsEnvFileBackAsItWroteIt() throws Exception {
    Installer.linux()
        .run(bothWithTrickyValues("--allow-anonymous", "--llm-timeout=42", "--model", "x,y"))
        .assertSuccess();
    Map<String, String> jars =
        Map.of("broker", Installer.PROGRAM_JARS.get(0), "connector", Installer.PROGRAM_JARS.get(1));
    for (Map.Entry<String, String> program : jars.entrySet()) {
      Path env = at("/etc/remotellm/" + program.getKey() + ".env");
      ProcessBuilder builder =
          new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-jar",
              source.resolve(program.getValue()).toString(),
              "--print-env");
      builder.environment().keySet().removeIf(k -> k.startsWith("REMOTELLM_"));
      builder.environment().putAll(EnvFiles.readLikeSystemd(env));
      Process process = builder.start();
      process.getOutputStream().close();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).as(err).isZero();
      assertThat(out).as(program.getKey()).isEqualTo(Files.readString(env));
    }
    assertThat(EnvFiles.readLikeSystemd(at("/etc/remotellm/broker.env")))
        .containsEntry("REMOTELLM_BROKER_ALLOW_ANONYMOUS", "true");
    assertThat(EnvFiles.readLikeSystemd(at("/etc/remotellm/connector.env")))
        .containsEntry("REMOTELLM_LLM_TIMEOUT", "42")
        .containsEntry("REMOTELLM_MODELS", "llama3.2,qwen 2.5 coder,x,y");
  }

  @Test
  void helpSaysHowToUseIt() {
    Installer.Result help = Installer.linux().run(List.of("--help")).assertSuccess();
    assertThat(help.stdout())
        .contains(
            "--broker",
            "--connector",
            "--uninstall",
            "--purge",
            "--dest-root",
            "--dry-run",
            "--no-start")
        .contains("REMOTELLM_BROKER_CONNECTOR_TOKENS", "REMOTELLM_BROKER_URL", "REMOTELLM_MODELS");
  }

  // -------------------------------------------------------------------------------------------

  record Verify(int exitCode, String output) {}

  /**
   * systemd-analyze verify resolves units, their dependencies and ExecStart= binaries inside
   * --root, so the scratch root gets a copy of this machine's stock units (sysinit.target and the
   * like) next to ours.
   */
  void stageSystemdUnits() throws IOException {
    Path stock =
        Stream.of(Path.of("/usr/lib/systemd/system"), Path.of("/lib/systemd/system"))
            .filter(Files::isDirectory)
            .findFirst()
            .orElse(null);
    if (stock == null) {
      MissingTool.missing(
          "no /usr/lib/systemd/system on this machine: install Debian's systemd package (apt-get"
              + " install -y systemd)",
          null);
    }
    // Regular files only: the symlinks there are aliases and masks (to /dev/null) that our units
    // do not need.
    Path target = root.resolve("usr/lib/systemd/system");
    try (Stream<Path> files = Files.walk(stock)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path copy = target.resolve(stock.relativize(file).toString());
        if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(copy);
        } else if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
          Files.copy(file, copy);
        }
      }
    }
  }

  Verify verify(String... units) throws Exception {
    List<String> args = new ArrayList<>(List.of("verify", "--root=" + root));
    args.addAll(List.of(units));
    return analyze(args.toArray(String[]::new));
  }

  Verify analyze(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("systemd-analyze"));
    command.addAll(List.of(args));
    Process process;
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      MissingTool.missing(
          "systemd-analyze is not installed: it comes with Debian's systemd package "
              + "(apt-get install -y systemd)",
          e);
      throw new IllegalStateException("unreachable");
    }
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("systemd-analyze " + args[0] + " did not finish within 60 s");
    }
    return new Verify(process.exitValue(), output);
  }
}
