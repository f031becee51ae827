package io.remotellm.st.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The installers are bash that operators run as root: shellcheck must find nothing in them, and
 * they keep bash's strict mode.
 */
class InstallerScriptsIT {

  static final List<String> SCRIPTS =
      List.of("deploy/install-linux.sh", "deploy/install-macos.sh", "deploy/lib/common.sh");

  @Test
  void shellcheckFindsNothing() throws Exception {
    Path root = Installer.root();
    List<String> command =
        new java.util.ArrayList<>(List.of("shellcheck", "--external-sources", "--severity=style"));
    command.addAll(SCRIPTS);
    Process process;
    try {
      process =
          new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      MissingTool.missing("shellcheck is not installed: apt-get install -y shellcheck", e);
      return;
    }
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as("shellcheck:\n%s", output).isZero();
  }

  @Test
  void theInstallersRunInStrictMode() throws IOException {
    for (String script : List.of("deploy/install-linux.sh", "deploy/install-macos.sh")) {
      Path file = Installer.root().resolve(script);
      assertThat(Files.readString(file))
          .startsWith("#!/usr/bin/env bash\n")
          .contains("\nset -euo pipefail\n");
      assertThat(file).isExecutable();
    }
  }
}
