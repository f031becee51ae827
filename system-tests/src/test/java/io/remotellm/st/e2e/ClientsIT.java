package io.remotellm.st.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.testsupport.FakeLlm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Official OpenAI clients other than the Java SDK (EndToEndIT has that one) against the real broker
 * and connector processes and a fake LLM: the OpenAI Node SDK, pinned in {@code
 * src/test/node/package-lock.json} and installed with {@code npm ci} by this test (issue 10 was
 * found with it: it sends {@code Accept: application/json} on streamed calls too), and
 * LangChain4j's OpenAI chat models.
 */
class ClientsIT {

  private static final String MODEL = "fake-model";
  private static final int CHUNKS = 6;
  private static final String USER_KEY = secret("sk-clients-user-");
  private static final String TOKEN = secret("ct-clients-");

  private static FakeLlm llm;
  private static ProductProcess broker;
  private static ProductProcess connector;
  private static int brokerPort;

  @BeforeAll
  static void startProduct() throws IOException {
    llm = FakeLlm.start();
    llm.script(FakeLlm.Script.defaults().withChunks(CHUNKS));
    brokerPort = FreePort.next();
    broker =
        ProductRun.startBroker(
            "clients-broker",
            brokerPort,
            FreePort.next(),
            USER_KEY,
            ProductRun.writeConnectorConfig(Map.of(TOKEN, "")));
    int health = FreePort.next();
    connector =
        ProductRun.startConnector(
            "clients-connector",
            llm.baseUrl().toString(),
            brokerPort,
            TOKEN,
            health,
            List.of(MODEL),
            List.of());
    ProductRun.awaitReady(connector, health, Duration.ofSeconds(60));
  }

  @AfterAll
  static void stopProduct() {
    Stream.of(connector, broker).filter(p -> p != null).forEach(ProductProcess::close);
    if (llm != null) {
      llm.close();
    }
  }

  /** Models, chat, streamed chat with usage, 401 and 404: {@code openai-sdk.test.mjs}. */
  @Test
  void theOfficialNodeSdk() throws Exception {
    Path project = NodeProject.install();
    Path log = ProductProcess.logDir().resolve("node-sdk-test.log");
    ProcessBuilder node =
        new ProcessBuilder("node", "--test", "openai-sdk.test.mjs")
            .directory(project.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    node.environment()
        .putAll(
            Map.of(
                "REMOTELLM_BASE_URL",
                "http://127.0.0.1:" + brokerPort + "/v1",
                "REMOTELLM_USER_KEY",
                USER_KEY,
                "REMOTELLM_MODEL",
                MODEL,
                "REMOTELLM_CHUNKS",
                String.valueOf(CHUNKS),
                "NO_COLOR",
                "1"));
    int exit = NodeProject.run(node, Duration.ofMinutes(2));
    String output = Files.readString(log);
    assertThat(exit).as("node --test exit code; its output (%s):%n%s", log, output).isZero();
    // node --test's TAP summary: every test ran and passed, none skipped.
    assertThat(output).contains("# pass 5", "# fail 0", "# skipped 0");
    assertThat(output).doesNotContain(USER_KEY);
  }

  /** LangChain4j's OpenAI models, streaming and not, as a Java application would use them. */
  @Test
  void langChain4jOpenAiModels() throws Exception {
    String expected =
        IntStream.range(0, CHUNKS).mapToObj(i -> "tok" + i + " ").collect(Collectors.joining());
    String baseUrl = "http://127.0.0.1:" + brokerPort + "/v1";
    OpenAiStreamingChatModel streaming =
        OpenAiStreamingChatModel.builder()
            .baseUrl(baseUrl)
            .apiKey(USER_KEY)
            .modelName(MODEL)
            .timeout(Duration.ofSeconds(30))
            .build();
    StringBuilder text = new StringBuilder();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    streaming.chat(
        "Hello from LangChain4j",
        new StreamingChatResponseHandler() {
          @Override
          public void onPartialResponse(String partial) {
            text.append(partial);
          }

          @Override
          public void onCompleteResponse(ChatResponse response) {
            done.complete(response);
          }

          @Override
          public void onError(Throwable error) {
            done.completeExceptionally(error);
          }
        });
    ChatResponse response = done.get(30, TimeUnit.SECONDS);
    assertThat(text.toString()).isEqualTo(expected);
    assertThat(response.aiMessage().text()).isEqualTo(expected);

    OpenAiChatModel plain =
        OpenAiChatModel.builder()
            .baseUrl(baseUrl)
            .apiKey(USER_KEY)
            .modelName(MODEL)
            .timeout(Duration.ofSeconds(30))
            .maxRetries(0)
            .build();
    assertThat(plain.chat("Hello again")).contains(expected);
  }

  /** The Node project under src/test/node, copied to target and installed from its lock file. */
  static final class NodeProject {
    private NodeProject() {}

    static Path install() throws IOException, InterruptedException {
      requireTool("node", "Node.js (Debian package nodejs, 18 or newer)");
      requireTool("npm", "npm (Debian package npm)");
      Path source = ProductProcess.root().resolve("system-tests/src/test/node");
      Path project = ProductProcess.root().resolve("system-tests/target/node-sdk-test");
      Files.createDirectories(project);
      for (String file : List.of("package.json", "package-lock.json", "openai-sdk.test.mjs")) {
        Files.copy(
            source.resolve(file), project.resolve(file), StandardCopyOption.REPLACE_EXISTING);
      }
      Path log = ProductProcess.logDir().resolve("npm-ci.log");
      // npm ci installs exactly what package-lock.json pins, and fails if it disagrees with
      // package.json; no install scripts run.
      ProcessBuilder ci =
          new ProcessBuilder("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
              .directory(project.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      int exit = run(ci, Duration.ofMinutes(5));
      if (exit != 0) {
        fail(
            "npm ci failed with exit code "
                + exit
                + " (is the npm registry reachable?):\n"
                + Files.readString(log));
      }
      return project;
    }

    /** Skips (or fails in CI, where .ci/run provides it) when the tool is not installed. */
    private static void requireTool(String tool, String what) throws InterruptedException {
      String version = null;
      try {
        Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
        if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
          version = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        }
      } catch (IOException notInstalled) {
        // Reported below as missing.
      }
      boolean tooOld = version != null && tool.equals("node") && major(version) < 18;
      if (version == null || tooOld) {
        String message =
            what
                + (tooOld ? " is too old (" + version + ")" : " is not installed")
                + ": the OpenAI Node SDK test needs it";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
          fail(message + " (CI=true: .ci/run must install it)");
        }
        Assumptions.abort("skipped: " + message);
      }
    }

    private static int major(String version) {
      try {
        return Integer.parseInt(version.replaceFirst("^v", "").split("\\.")[0]);
      } catch (NumberFormatException e) {
        return 0;
      }
    }

    static int run(ProcessBuilder builder, Duration timeout)
        throws IOException, InterruptedException {
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        fail(String.join(" ", builder.command()) + " did not finish within " + timeout);
      }
      return process.exitValue();
    }
  }

  static String secret(String prefix) {
    byte[] bytes = new byte[12];
    new SecureRandom().nextBytes(bytes);
    return prefix + HexFormat.of().formatHex(bytes);
  }
}
