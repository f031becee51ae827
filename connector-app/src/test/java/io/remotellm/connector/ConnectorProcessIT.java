package io.remotellm.connector;

import static org.assertj.core.api.Assertions.assertThat;

import io.remotellm.protocol.Data;
import io.remotellm.protocol.End;
import io.remotellm.protocol.Frame;
import io.remotellm.protocol.Hello;
import io.remotellm.protocol.Request;
import io.remotellm.testsupport.FakeLlm;
import jakarta.json.Json;
import jakarta.websocket.CloseReason;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar as its own process, the way an operator runs it: configured through the
 * environment, logging JSON lines, and stopping gracefully on SIGTERM.
 */
class ConnectorProcessIT {
  private static final String TOKEN = "ct-process-TOKEN-abcdef";
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;

  private static String jar() {
    return ConnectorJar.path();
  }

  private Process start(Map<String, String> env, Path log, String... args) throws Exception {
    return ConnectorJar.start(List.of(), env, log, args);
  }

  @Test
  void servesFromEnvironmentSettingsAndStopsGracefullyOnSigterm() throws Exception {
    try (FakeLlm llm = FakeLlm.start();
        ScriptedBroker broker = new ScriptedBroker(TOKEN, 5).start()) {
      llm.script(llm.script().withChunks(40).withChunkDelay(Duration.ofMillis(25)));
      Path log = dir.resolve("connector.log");
      Process connector =
          start(
              Map.of(
                  "REMOTELLM_BROKER_URL",
                  broker.urlWithoutPath(),
                  "REMOTELLM_BROKER_TOKEN",
                  TOKEN,
                  "REMOTELLM_LLM_URL",
                  llm.baseUrl().toString(),
                  "REMOTELLM_MODELS",
                  "fake-model,other",
                  "REMOTELLM_HEALTH_PORT",
                  "0"),
              log);
      try {
        Hello hello = broker.awaitHello(WAIT);
        assertThat(hello).as("hello from the process").isNotNull();
        assertThat(hello.models()).containsExactly("fake-model", "other");

        broker.send(
            new Request(
                "p1",
                "POST",
                "/v1/chat/completions",
                Map.of("x-request-id", "xr-p1"),
                "{\"model\":\"fake-model\",\"stream\":true}",
                true));
        assertThat(broker.next("p1", WAIT)).isNotNull(); // head: the stream is under way
        connector.destroy(); // SIGTERM
        List<Frame> rest = broker.awaitAnswer("p1", WAIT);
        assertThat(rest.get(rest.size() - 1))
            .as("the in-flight stream finished")
            .isInstanceOf(End.class);
        assertThat(rest.stream().filter(Data.class::isInstance).count()).isEqualTo(41);
        CloseReason close = broker.awaitClose(WAIT);
        assertThat(close).isNotNull();
        assertThat(close.getCloseCode().getCode()).isEqualTo(1001);
        assertThat(connector.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
      } finally {
        connector.destroyForcibly();
      }
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      assertThat(lines).isNotEmpty();
      for (String line : lines) {
        assertThat(Json.createReader(new StringReader(line)).readObject().getString("level"))
            .isNotEmpty();
      }
      String all = String.join("\n", lines);
      assertThat(all)
          .contains("\"request_id\":\"xr-p1\"", "connector stopped")
          .doesNotContain(TOKEN);
    }
  }

  /**
   * Idle footprint as the benchmark measures it (bench/, "connector RSS idle"): started by
   * bin/remotellm-connector with its default JVM options, an http:// LLM, connected and registered,
   * one request relayed, then 1 s idle. Issue 5's target is 64 MB; it measured 60 MB on the 2-core
   * machine of docs/benchmarks.md (68 MB before the LLM client stopped loading the JDK's TLS
   * context). The figure is written to target/connector-idle-rss.txt.
   */
  @Test
  void staysUnder64MbWhenIdle() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        Files.exists(Path.of("/proc/self/status")), "needs Linux /proc");
    Path launcher =
        Path.of(jar())
            .toAbsolutePath()
            .getParent()
            .getParent()
            .getParent()
            .resolve("bin")
            .resolve("remotellm-connector");
    assertThat(launcher).as("the launcher next to the jar").isExecutable();
    try (FakeLlm llm = FakeLlm.start();
        ScriptedBroker broker = new ScriptedBroker(TOKEN, 5).start()) {
      Path log = dir.resolve("idle.log");
      ProcessBuilder builder =
          new ProcessBuilder(
                  launcher.toString(),
                  "--llm-url",
                  llm.baseUrl().toString(),
                  "--model",
                  "fake-model",
                  "--health-port",
                  "0",
                  "--broker-url",
                  broker.urlWithoutPath(),
                  "--broker-token",
                  TOKEN)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
      builder.environment().remove("REMOTELLM_CONNECTOR_JAVA_OPTS"); // the launcher's defaults
      builder.environment().remove("JAVA_TOOL_OPTIONS");
      Process connector = builder.start(); // the launcher exec's the JVM: same pid
      try {
        assertThat(broker.awaitHello(WAIT)).as("hello from the connector").isNotNull();
        broker.send(
            new Request(
                "idle-1",
                "POST",
                "/v1/chat/completions",
                Map.of("x-request-id", "xr-idle-1"),
                "{\"model\":\"fake-model\",\"stream\":false}",
                false));
        List<Frame> answer = broker.awaitAnswer("idle-1", WAIT);
        assertThat(answer.get(answer.size() - 1))
            .as("the request went through")
            .isInstanceOf(End.class);
        // Read a second after the answer, as docs/benchmarks.md reads idle RSS: the figure is
        // about a settled process, so this is a measuring point, not a wait for an event.
        Thread.sleep(1000);
        long rssKb =
            Files.readAllLines(Path.of("/proc/" + connector.pid() + "/status")).stream()
                .filter(l -> l.startsWith("VmRSS:"))
                .map(l -> l.replaceAll("\\D", ""))
                .mapToLong(Long::parseLong)
                .findFirst()
                .orElseThrow();
        Files.writeString(Path.of("target", "connector-idle-rss.txt"), rssKb + " kB\n");
        assertThat(rssKb)
            .as("idle RSS in kB (written to target/connector-idle-rss.txt)")
            .isLessThan(64 * 1024);
      } finally {
        connector.destroy();
        connector.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void healthAnswersAKeptAliveClientWithoutTheDelayedAckWait() throws Exception {
    int port;
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    try (FakeLlm llm = FakeLlm.start();
        ScriptedBroker broker = new ScriptedBroker(TOKEN, 5).start()) {
      Path log = dir.resolve("health.log");
      Process connector =
          start(
              Map.of(),
              log,
              "--llm-url",
              llm.baseUrl().toString(),
              "--model",
              "fake-model",
              "--health-port",
              Integer.toString(port),
              "--broker-url",
              broker.urlWithoutPath(),
              "--broker-token",
              TOKEN);
      try {
        assertThat(broker.awaitHello(WAIT)).as("hello from the connector").isNotNull();
        java.net.http.HttpClient http =
            java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .build();
        java.net.http.HttpRequest health =
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + port + "/health"))
                .build();
        long[] millis = new long[21];
        for (int i = 0; i < millis.length; i++) {
          long t0 = System.nanoTime();
          assertThat(
                  http.send(health, java.net.http.HttpResponse.BodyHandlers.ofString())
                      .statusCode())
              .isIn(200, 503);
          millis[i] = (System.nanoTime() - t0) / 1_000_000;
        }
        // With Nagle on, EVERY call after the first on a kept-alive connection took 40-44 ms (the
        // client's delayed ACK); without, about one. So the fastest of those calls tells the two
        // apart: a busy machine only ever adds time, and cannot make a 40 ms wait disappear.
        long fastest = java.util.Arrays.stream(millis, 1, millis.length).min().orElseThrow();
        assertThat(fastest).as("fastest kept-alive /health time in ms").isLessThan(30);
      } finally {
        connector.destroy();
        connector.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aWrongCommandLineIsOneLineAndExitCode2() throws Exception {
    Path log = dir.resolve("usage.log");
    Process connector = start(Map.of(), log, "--broker-url", "http://nope", "--broker-token", "x");
    assertThat(connector.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
    assertThat(connector.exitValue()).isEqualTo(2);
    assertThat(Files.readAllLines(log)).hasSize(1).allMatch(l -> l.contains("ws:// or wss://"));
  }
}
