package io.remotellm.st.deploy;

import static io.remotellm.st.deploy.LinuxInstallerIT.MARK;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * install-linux.sh as an operator runs it, on the real root rather than --dest-root, but inside a
 * private mount namespace whose /opt, /etc/systemd/system, /var/lib, /var/log and /run are empty
 * tmpfs (so the machine running the test is not touched), with useradd, userdel, chown and
 * systemctl replaced by stand-ins that record their calls. It shows what --dest-root skips: the
 * user is created before anything is handed to it, files get their owners, and systemd is told to
 * reload, enable and (re)start, then to stop and disable.
 *
 * <p>Needs root and {@code unshare --mount} (util-linux); skipped, saying so, where they are not.
 */
class LinuxRealRootIT {

  @TempDir Path tmp;
  Path source;
  Path shims;
  Path calls;

  @BeforeEach
  void stage() throws IOException {
    source = Installer.fakeSourceTree(tmp.resolve("source"));
    shims = Files.createDirectories(tmp.resolve("shims"));
    calls = shims.resolve("calls.log");
    for (String tool : List.of("useradd", "userdel", "chown", "systemctl")) {
      Path shim = shims.resolve(tool);
      Files.writeString(shim, "#!/bin/sh\nprintf '%s\\n' \"" + tool + " $*\" >> '" + calls + "'\n");
      Files.setPosixFilePermissions(shim, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  @Test
  void anInstallOnTheRealRootCreatesTheUserOwnsTheFilesAndDrivesSystemd() throws Exception {
    Installer.Result probe = inNamespace("true");
    Assumptions.assumeTrue(
        probe.exitCode() == 0,
        "needs root and unshare --mount (util-linux) for a private mount namespace: "
            + probe.output());

    String installer = Installer.root().resolve("deploy/install-linux.sh").toString();
    Installer.Result result =
        inNamespace(
            String.join(
                "\n",
                "REMOTELLM_BROKER_CONNECTOR_TOKENS='ct-" + MARK + "' \\",
                "REMOTELLM_BROKER_USER_API_KEYS='sk-"
                    + MARK
                    + "' REMOTELLM_BROKER_TOKEN='ct-"
                    + MARK
                    + "' \\",
                "  bash '"
                    + installer
                    + "' --source '"
                    + source
                    + "' --config-dir /opt/etc-remotellm \\",
                "  --broker-url ws://127.0.0.1:8443/ws --llm-url demo",
                "echo '--- modes'",
                "stat -c '%a %n' /opt/etc-remotellm /opt/etc-remotellm/broker.env"
                    + " /opt/etc-remotellm/connector.env /opt/etc-remotellm/connectors.yaml"
                    + " /etc/systemd/system/remotellm-broker.service /var/lib/remotellm",
                "echo '--- uninstall'",
                "bash '" + installer + "' --config-dir /opt/etc-remotellm --uninstall --purge",
                "echo '--- left'",
                "find /opt /etc/systemd/system /var/lib /var/log -mindepth 1"));
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).doesNotContain(MARK);
    assertThat(result.stdout())
        .contains(
            "750 /opt/etc-remotellm\n",
            "640 /opt/etc-remotellm/broker.env\n",
            "640 /opt/etc-remotellm/connector.env\n",
            "640 /opt/etc-remotellm/connectors.yaml\n",
            "644 /etc/systemd/system/remotellm-broker.service\n",
            "750 /var/lib/remotellm\n");
    assertThat(result.stdout().substring(result.stdout().indexOf("--- left")))
        .as("uninstall --purge leaves nothing behind")
        .isEqualTo("--- left\n");

    List<String> log = Files.readAllLines(calls);
    assertThat(log.get(0))
        .as("the user comes first")
        .startsWith(
            "useradd --system --user-group --home-dir /var/lib/remotellm --no-create-home --shell ")
        .contains("nologin")
        .endsWith(" remotellm");
    assertThat(log)
        .contains(
            "chown root:remotellm /opt/etc-remotellm",
            "chown remotellm:remotellm /var/lib/remotellm",
            "chown remotellm:remotellm /var/log/remotellm")
        .anyMatch(line -> line.startsWith("chown root:remotellm /opt/etc-remotellm/broker.env."))
        .anyMatch(line -> line.startsWith("chown root:remotellm /opt/etc-remotellm/connector.env."))
        .anyMatch(
            line ->
                line.startsWith("chown root:root /etc/systemd/system/remotellm-broker.service."));
    List<String> systemctl = log.stream().filter(line -> line.startsWith("systemctl ")).toList();
    assertThat(systemctl)
        .containsExactly(
            "systemctl daemon-reload",
            "systemctl enable remotellm-broker.service",
            "systemctl restart remotellm-broker.service",
            "systemctl enable remotellm-connector.service",
            "systemctl restart remotellm-connector.service",
            "systemctl disable --now remotellm-broker.service",
            "systemctl disable --now remotellm-connector.service",
            "systemctl daemon-reload");
  }

  @Test
  void withoutARunningSystemdItRefusesAndPointsToDestRoot() throws Exception {
    Installer.Result probe = inNamespace("true");
    Assumptions.assumeTrue(
        probe.exitCode() == 0, "needs root and unshare --mount: " + probe.output());

    Installer.Result result =
        inNamespace(
            "rmdir /run/systemd/system /run/systemd\n"
                + "bash '"
                + Installer.root().resolve("deploy/install-linux.sh")
                + "' --source '"
                + source
                + "' --broker\n"
                + "echo \"exit=$?\"; find /opt /etc/systemd/system -mindepth 1");
    assertThat(result.stdout()).isEqualTo("exit=1\n");
    assertThat(result.stderr()).contains("systemd is not running").contains("--dest-root");
  }

  /**
   * Runs a script as root in a new mount namespace with empty tmpfs over the paths an install
   * writes, /run/systemd/system present (as on a machine booted with systemd), and the stand-ins
   * first on PATH. The mounts are private: they vanish with the namespace.
   */
  Installer.Result inNamespace(String script) throws Exception {
    String setup =
        String.join(
            "\n",
            "set -e",
            "for d in /opt /etc/systemd/system /var/lib /var/log /run; do",
            "  mount -t tmpfs remotellm-test \"$d\"",
            "done",
            "mkdir -p /run/systemd/system",
            "export PATH='" + shims + "':\"$PATH\"",
            "set +e",
            script);
    List<String> command =
        new ArrayList<>(
            List.of(
                "unshare", "--mount", "--propagation", "private", "--fork", "bash", "-c", setup));
    Process process;
    try {
      process = new ProcessBuilder(command).start();
    } catch (IOException e) {
      return new Installer.Result(127, "", "unshare not found: " + e.getMessage());
    }
    process.getOutputStream().close();
    var err = new java.util.concurrent.CompletableFuture<String>();
    Thread reader =
        new Thread(
            () -> {
              try {
                err.complete(
                    new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
              } catch (IOException e) {
                err.complete(e.toString());
              }
            });
    reader.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the namespaced install did not finish within 120 s");
    }
    return new Installer.Result(process.exitValue(), out, err.get(10, TimeUnit.SECONDS));
  }
}
