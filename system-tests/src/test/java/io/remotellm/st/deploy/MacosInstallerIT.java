package io.remotellm.st.deploy;

import static io.remotellm.st.deploy.LinuxInstallerIT.CONNECTOR_TOKENS;
import static io.remotellm.st.deploy.LinuxInstallerIT.MARK;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/install-macos.sh, staged into a scratch root with --dest-root (no launchctl, no dscl): the
 * plists are valid property lists with what launchd needs, they hold no secret, and the wrapper
 * they start exports the env file exactly as systemd reads the same file.
 */
class MacosInstallerIT {

  static final String BROKER_TOKEN = "bt-" + MARK + "-'\"$HOME `id` \\x";

  @TempDir Path tmp;
  Path source;
  Path root;
  Path home;

  @BeforeEach
  void stageSourceTree() throws IOException {
    source = Installer.fakeSourceTree(tmp.resolve("source"));
    root = tmp.resolve("root");
    home = Files.createDirectories(tmp.resolve("home/alice"));
  }

  List<String> both(String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of("--source", source.toString(), "--dest-root", root.toString(), "--no-start"));
    for (String token : CONNECTOR_TOKENS) {
      args.addAll(List.of("--connector-token", token));
    }
    args.addAll(
        List.of(
            "--user-api-key",
            "sk-" + MARK + "-1",
            "--broker-url",
            "wss://broker.example.com/ws",
            "--broker-token",
            BROKER_TOKEN,
            "--model",
            "llama3.2"));
    args.addAll(List.of(extra));
    return args;
  }

  Path at(String absolute) {
    return root.resolve(absolute.substring(1));
  }

  @Test
  void systemDaemonsAreValidPlistsWithWhatLaunchdNeeds() throws IOException {
    Installer.Result result = Installer.macos().run(both()).assertSuccess();
    assertThat(result.output()).doesNotContain(MARK);

    for (String component : List.of("broker", "connector")) {
      Path file = at("/Library/LaunchDaemons/io.remotellm." + component + ".plist");
      String text = Files.readString(file);
      assertThat(text).as("a plist is world-readable: no secret may be in it").doesNotContain(MARK);
      Map<String, Object> plist = Plist.read(file);

      assertThat(plist.get("Label")).isEqualTo("io.remotellm." + component);
      assertThat(plist.get("UserName")).isEqualTo("_remotellm");
      assertThat(plist.get("GroupName")).isEqualTo("_remotellm");
      assertThat(plist.get("RunAtLoad")).isEqualTo(Boolean.TRUE);
      assertThat(plist.get("KeepAlive"))
          .as("restart on failure")
          .isEqualTo(Map.of("SuccessfulExit", false));
      assertThat((Long) plist.get("ExitTimeOut"))
          .as("must outlast the 30 s drain")
          .isGreaterThan(30L);
      assertThat(plist.get("ThrottleInterval")).isInstanceOf(Long.class);
      assertThat(plist.get("StandardOutPath"))
          .isEqualTo("/usr/local/var/log/remotellm/" + component + ".log");
      assertThat(plist.get("StandardErrorPath")).isInstanceOf(String.class);
      assertThat(at((String) plist.get("WorkingDirectory"))).isDirectory();
      assertThat(plist.get("EnvironmentVariables")).isInstanceOf(Map.class);
      @SuppressWarnings("unchecked")
      Map<String, Object> environment = (Map<String, Object>) plist.get("EnvironmentVariables");
      assertThat(environment.values()).allMatch(String.class::isInstance);
      assertThat((String) environment.get("PATH")).contains("/usr/bin");

      List<?> raw = (List<?>) plist.get("ProgramArguments");
      assertThat(raw).allMatch(String.class::isInstance);
      List<String> arguments = raw.stream().map(String.class::cast).toList();
      assertThat(arguments)
          .containsExactly(
              "/bin/bash",
              "/usr/local/remotellm/libexec/remotellm-service",
              "/usr/local/etc/remotellm/" + component + ".env",
              "/usr/local/remotellm/bin/remotellm-" + component);
      assertThat(at(arguments.get(1))).isRegularFile();
      assertThat(at(arguments.get(2))).isRegularFile();
      assertThat(at(arguments.get(3))).isExecutable();
    }
    for (String env : List.of("broker.env", "connector.env", "connectors.yaml")) {
      assertThat(
              PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(at("/usr/local/etc/remotellm/" + env))))
          .isEqualTo("rw-r-----");
    }
  }

  @Test
  void theWrapperExportsTheEnvFileAsSystemdReadsIt() throws Exception {
    Installer.macos().run(both()).assertSuccess();
    for (String component : List.of("broker", "connector")) {
      Path env = at("/usr/local/etc/remotellm/" + component + ".env");
      Process process =
          new ProcessBuilder(
                  "env",
                  "-i",
                  "PATH=/usr/bin:/bin",
                  "/bin/bash",
                  at("/usr/local/remotellm/libexec/remotellm-service").toString(),
                  env.toString(),
                  "env",
                  "-0")
              .start();
      process.getOutputStream().close();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(process.exitValue()).as(err).isZero();
      Map<String, String> systemd = EnvFiles.readLikeSystemd(env);
      assertThat(EnvFiles.remotellmVariables(out)).isEqualTo(systemd);
      if (component.equals("connector")) {
        assertThat(systemd).containsEntry("REMOTELLM_BROKER_TOKEN", BROKER_TOKEN);
      } else {
        assertThat(systemd)
            .containsEntry("REMOTELLM_BROKER_CONNECTOR_TOKENS", String.join(",", CONNECTOR_TOKENS));
      }
    }
  }

  @Test
  void userAgentsLiveInTheHomeFolderAndRunAsTheUser() {
    Installer.Result result =
        Installer.macos().run(Map.of("HOME", home.toString()), both("--user")).assertSuccess();
    assertThat(result.output()).doesNotContain(MARK).doesNotContain("dscl");

    Path agents = root.resolve(home.toString().substring(1)).resolve("Library/LaunchAgents");
    for (String component : List.of("broker", "connector")) {
      Map<String, Object> plist =
          Plist.read(agents.resolve("io.remotellm." + component + ".plist"));
      assertThat(plist).doesNotContainKey("UserName");
      assertThat((String) plist.get("StandardOutPath"))
          .startsWith(home + "/Library/Logs/remotellm/");
      assertThat(((List<?>) plist.get("ProgramArguments")).stream().map(String::valueOf).toList())
          .contains(
              home + "/.remotellm/etc/" + component + ".env",
              home + "/.remotellm/bin/remotellm-" + component);
    }
  }

  @Test
  void aReinstallKeepsSettingsAndUninstallKeepsThemUnlessPurged() throws IOException {
    Installer.macos().run(both()).assertSuccess();
    Path env = at("/usr/local/etc/remotellm/connector.env");
    Files.writeString(env, "REMOTELLM_BROKER_URL='ws://edited/ws'\n");

    Installer.Result again =
        Installer.macos()
            .run(
                List.of(
                    "--source",
                    source.toString(),
                    "--dest-root",
                    root.toString(),
                    "--no-start",
                    "--connector"))
            .assertSuccess();
    assertThat(again.stdout()).contains("kept /usr/local/etc/remotellm/connector.env");
    assertThat(env).hasContent("REMOTELLM_BROKER_URL='ws://edited/ws'");

    Installer.Result uninstall =
        Installer.macos()
            .run(List.of("--dest-root", root.toString(), "--uninstall"))
            .assertSuccess();
    assertThat(uninstall.stdout()).contains("launchctl bootout system/io.remotellm.broker");
    assertThat(at("/Library/LaunchDaemons/io.remotellm.broker.plist")).doesNotExist();
    assertThat(at("/Library/LaunchDaemons/io.remotellm.connector.plist")).doesNotExist();
    assertThat(at("/usr/local/remotellm")).doesNotExist();
    assertThat(env).exists();

    Installer.macos()
        .run(List.of("--dest-root", root.toString(), "--uninstall", "--purge"))
        .assertSuccess();
    assertThat(at("/usr/local/etc/remotellm")).doesNotExist();
  }

  @Test
  void aConnectorWithoutBrokerUrlOrTokenIsRefused() {
    Installer.Result result =
        Installer.macos()
            .run(
                List.of(
                    "--source", source.toString(), "--dest-root", root.toString(), "--connector"));
    assertThat(result.exitCode()).isNotZero();
    assertThat(result.stderr())
        .contains("missing --broker-url (or REMOTELLM_BROKER_URL) and --broker-token")
        .doesNotContain("to install only the broker");
    assertThat(root.resolve("Library")).doesNotExist();
  }
}
