package io.remotellm.st.containers;

import static io.remotellm.st.containers.Podman.podman;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A container started with {@code podman run -d}. Secrets are handed over as {@code -e NAME} with
 * the value in podman's own environment, so they are on no command line.
 */
final class Container {

  private static final Duration SHORT = Duration.ofSeconds(60);

  private final String name;

  private Container(String name) {
    this.name = name;
  }

  static Container run(
      String name,
      String image,
      List<String> options,
      Map<String, String> secretEnv,
      List<String> args) {
    List<String> command = new ArrayList<>(List.of("podman", "run", "-d", "--name", name));
    command.addAll(options);
    secretEnv.keySet().forEach(key -> command.addAll(List.of("-e", key)));
    command.add(image);
    command.addAll(args);
    Podman.run(command, secretEnv, SHORT).orFail("podman run " + name);
    return new Container(name);
  }

  String name() {
    return name;
  }

  boolean isRunning() {
    return "true"
        .equals(podman(SHORT, "inspect", "--format", "{{.State.Running}}", name).out().strip());
  }

  /** The container's main process as the host sees it (the JVM: the launchers exec it). */
  long pid() {
    return Long.parseLong(
        podman(SHORT, "inspect", "--format", "{{.State.Pid}}", name)
            .orFail("inspect")
            .out()
            .strip());
  }

  /** Resident memory of the container's main process, in MB. */
  long rssMegabytes() throws java.io.IOException {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    throw new AssertionError("no VmRSS for " + name);
  }

  String logs() {
    Podman.Result result = podman(SHORT, "logs", name);
    return result.out() + result.err();
  }

  Podman.Result exec(String... command) {
    List<String> args = new ArrayList<>(List.of("exec", name));
    args.addAll(List.of(command));
    return podman(SHORT, args.toArray(String[]::new));
  }

  /**
   * An HTTP GET from inside the container, with bash alone (the images have no curl): what a probe
   * on the container's own loopback sees. Returns the status line's code and the body.
   */
  HttpAnswer getInside(int port, String path) {
    Podman.Result result =
        exec(
            "bash",
            "-c",
            "exec 3<>/dev/tcp/127.0.0.1/$0 && printf 'GET %s HTTP/1.0\\r\\n\\r\\n' \"$1\" >&3"
                + " && cat <&3",
            String.valueOf(port),
            path);
    if (result.exitCode() != 0) {
      return new HttpAnswer(-1, result.err());
    }
    String response = result.out();
    String[] statusLine = response.lines().findFirst().orElse("").split(" ");
    int status = statusLine.length > 1 ? Integer.parseInt(statusLine[1]) : -1;
    int bodyStart = response.indexOf("\r\n\r\n");
    return new HttpAnswer(status, bodyStart < 0 ? "" : response.substring(bodyStart + 4));
  }

  record HttpAnswer(int status, String body) {}

  /** Sends SIGTERM (the images' stop signal) and returns at once. */
  void sigterm() {
    podman(SHORT, "kill", "--signal", "TERM", name).orFail("podman kill " + name);
  }

  /** Waits for the container to exit; returns its exit code. */
  int awaitExit(Duration timeout) {
    return Integer.parseInt(
        Podman.podman(timeout, "wait", name).orFail("podman wait " + name).lastLine().strip());
  }

  void remove() {
    podman(SHORT, "rm", "-f", "-t", "0", name);
  }
}
