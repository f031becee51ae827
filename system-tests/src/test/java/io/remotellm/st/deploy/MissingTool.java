package io.remotellm.st.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * A tool these tests run (systemd-analyze, shellcheck) is not installed. In CI (CI=true), whose
 * .ci/run installs them, that is a failure; on a developer's machine with only Java and Maven the
 * test is skipped, and the skip says what to install, so `mvn verify` works there too.
 */
final class MissingTool {
  private MissingTool() {}

  static void missing(String what, Throwable cause) {
    String message = what + " (.ci/run installs it)";
    if ("true".equalsIgnoreCase(System.getenv("CI"))) {
      fail(message, cause);
    }
    Assumptions.abort("skipped: " + message);
  }
}
