package io.remotellm.st.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.Wait;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * bin/remotellm-demo starts broker and demo connector, prints curl lines that work when pasted into
 * a shell, and Ctrl-C stops everything.
 */
class DemoIT {

  @Test
  void printedCommandsWorkAndCtrlCStopsEverything() throws Exception {
    int port = FreePort.next();
    int healthPort = FreePort.next();
    int connectorHealthPort = FreePort.next();
    try (ProductProcess demo =
        ProductProcess.start(
            "demo",
            "remotellm-demo",
            List.of(
                "--port", String.valueOf(port),
                "--health-port", String.valueOf(healthPort),
                "--connector-health-port", String.valueOf(connectorHealthPort)),
            Map.of())) {
      Wait.until(
          "the demo to print its commands",
          Duration.ofSeconds(240),
          () -> {
            if (!demo.isAlive()) {
              throw new AssertionError("the demo exited:\n" + demo.output());
            }
            return demo.output().contains("Press Ctrl-C");
          });

      List<String> commands = printedCurlCommands(demo.output());
      assertThat(commands).hasSize(5);
      // This run's lines (the log file is appended to across runs; see ProductProcess#output).
      assertThat(commands.get(0)).contains("http://127.0.0.1:" + port + "/");
      assertThat(run(commands.get(0))).contains("\"object\":\"list\"", "demo-echo");
      assertThat(run(commands.get(1))).contains("chat.completion", "Echo: Hello!");
      assertThat(run(commands.get(2)))
          .contains("chat.completion.chunk", "Hello!")
          .endsWith("data: [DONE]\n\n");
      assertThat(run(commands.get(3))).contains("\"status\":\"UP\"", "connectors_connected");
      assertThat(run(commands.get(4))).contains("\"relay_connected\":true", "demo-echo");

      // Ctrl-C: the demo stops broker and connector and exits cleanly. A process started in the
      // background of a non-interactive shell (as CI may start the build) inherits SIGINT as
      // ignored, and bash cannot trap an ignored signal; there the test sends SIGTERM, which the
      // demo handles the same way.
      String signal = ignoresSigint(demo.pid()) ? "-TERM" : "-INT";
      new ProcessBuilder("kill", signal, String.valueOf(demo.pid())).start().waitFor();
      Wait.until("the demo to exit", Duration.ofSeconds(60), () -> !demo.isAlive());
      assertThat(demo.output()).contains("Stopped.").doesNotContain("unexpectedly");
      for (int p : new int[] {port, healthPort, connectorHealthPort}) {
        assertThat(listening(p)).as("port %d still open after Ctrl-C", p).isFalse();
      }
    }
  }

  /** The curl commands as printed, continuation lines joined, ready for a shell. */
  private static List<String> printedCurlCommands(String output) {
    List<String> commands = new ArrayList<>();
    StringBuilder current = null;
    for (String line : output.split("\n")) {
      String trimmed = line.strip();
      if (current == null && trimmed.startsWith("curl ")) {
        current = new StringBuilder();
      }
      if (current != null) {
        String part = trimmed.replaceAll("\\s+#.*$", "");
        if (part.endsWith("\\")) {
          current.append(part, 0, part.length() - 1).append(' ');
        } else {
          current.append(part);
          commands.add(current.toString());
          current = null;
        }
      }
    }
    return commands;
  }

  private static String run(String command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as("exit code of %s, output %s", command, out).isZero();
    return out;
  }

  private static boolean ignoresSigint(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("SigIgn:")) {
        long mask = Long.parseUnsignedLong(line.substring(7).strip(), 16);
        return (mask & (1L << 1)) != 0; // SIGINT is signal 2, bit 1
      }
    }
    return false;
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
