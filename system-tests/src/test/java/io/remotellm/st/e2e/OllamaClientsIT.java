package io.remotellm.st.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.jdk.JdkHttpClient;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaEmbeddingModel;
import dev.langchain4j.model.ollama.OllamaModel;
import dev.langchain4j.model.ollama.OllamaModels;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.testsupport.FakeLlm;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
 * Ollama's native API through real broker and connector processes and a fake Ollama: LangChain4j's
 * Ollama models (list, show, chat, streamed chat, embeddings), curl on every path and error, and
 * the README's Ollama commands as written.
 */
class OllamaClientsIT {

  /** What clients ask for; the Ollama lists it with its tag, and the connector serves that. */
  private static final String MODEL = "llama3.2";

  private static final String LISTED = "llama3.2:latest";
  private static final int CHUNKS = 6;
  private static final String USER_KEY = secret("sk-ollama-user-");
  private static final String TOKEN = secret("ct-ollama-");
  private static final String EXPECTED =
      IntStream.range(0, CHUNKS).mapToObj(i -> "tok" + i + " ").collect(Collectors.joining());

  private static FakeLlm llm;
  private static ProductProcess broker;
  private static ProductProcess connector;
  private static String baseUrl;

  @BeforeAll
  static void startProduct() throws IOException {
    llm = FakeLlm.start();
    llm.script(FakeLlm.Script.defaults().withChunks(CHUNKS).withModels(List.of(LISTED)));
    // The connector asks /api/version at start, and then offers Ollama's API too.
    llm.actAsOllama();
    int brokerPort = FreePort.next();
    baseUrl = "http://127.0.0.1:" + brokerPort;
    broker =
        ProductRun.startBroker(
            "ollama-broker",
            brokerPort,
            FreePort.next(),
            USER_KEY,
            ProductRun.writeConnectorConfig(Map.of(TOKEN, "")));
    int health = FreePort.next();
    connector =
        ProductRun.startConnector(
            "ollama-connector",
            llm.baseUrl().toString(),
            brokerPort,
            TOKEN,
            health,
            List.of(LISTED),
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

  @Test
  void langChain4jOllamaModelsListShowChatStreamAndEmbed() throws Exception {
    Map<String, String> auth = Map.of("Authorization", "Bearer " + USER_KEY);
    // OllamaModels takes no custom headers, only an HTTP client: one that adds the key.
    OllamaModels models =
        OllamaModels.builder()
            .baseUrl(baseUrl)
            .httpClientBuilder(new BearerClientBuilder(USER_KEY))
            .maxRetries(0)
            .build();
    assertThat(models.availableModels().content().stream().map(OllamaModel::getName))
        .containsExactly(LISTED);
    assertThat(models.runningModels().content()).hasSize(1);
    assertThat(models.modelCard(MODEL).content().getModelfile()).isEqualTo("FROM fake");

    OllamaChatModel chat =
        OllamaChatModel.builder()
            .baseUrl(baseUrl)
            .customHeaders(auth)
            .modelName(MODEL)
            .timeout(Duration.ofSeconds(30))
            .maxRetries(0)
            .build();
    ChatResponse answer = chat.chat(dev.langchain4j.data.message.UserMessage.from("Hello"));
    assertThat(answer.aiMessage().text()).isEqualTo(EXPECTED);
    assertThat(answer.tokenUsage().outputTokenCount()).isEqualTo(CHUNKS);
    assertThat(answer.tokenUsage().inputTokenCount()).isEqualTo(7);

    OllamaStreamingChatModel streaming =
        OllamaStreamingChatModel.builder()
            .baseUrl(baseUrl)
            .customHeaders(auth)
            .modelName(MODEL)
            .timeout(Duration.ofSeconds(30))
            .build();
    List<String> partials = new ArrayList<>();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    streaming.chat(
        "Hello, streamed",
        new StreamingChatResponseHandler() {
          @Override
          public void onPartialResponse(String partial) {
            partials.add(partial);
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
    ChatResponse streamed = done.get(30, TimeUnit.SECONDS);
    assertThat(partials).hasSize(CHUNKS).first().isEqualTo("tok0 ");
    assertThat(String.join("", partials)).isEqualTo(EXPECTED);
    assertThat(streamed.tokenUsage().outputTokenCount()).isEqualTo(CHUNKS);

    OllamaEmbeddingModel embeddings =
        OllamaEmbeddingModel.builder()
            .baseUrl(baseUrl)
            .customHeaders(auth)
            .modelName(MODEL)
            .maxRetries(0)
            .build();
    Embedding embedding = embeddings.embed("abcd").content();
    assertThat(embedding.vector()).containsExactly(4.0f, 0.5f, -1.0f);
  }

  @Test
  void curlOnEveryPathAndErrorInOllamasShape() throws Exception {
    String key = "-H 'Authorization: Bearer " + USER_KEY + "' ";
    assertThat(json(curl(key + baseUrl + "/api/version")).getString("version")).isNotBlank();
    assertThat(curl(key + baseUrl + "/api/tags")).contains("\"name\":\"" + LISTED + "\"");
    assertThat(curl(key + baseUrl + "/api/ps")).contains("\"name\":\"" + LISTED + "\"");
    assertThat(curl(key + baseUrl + "/api/show -d '{\"model\":\"" + MODEL + "\"}'"))
        .contains("\"modelfile\"");
    JsonObject generated =
        json(
            curl(
                key
                    + baseUrl
                    + "/api/generate -d '{\"model\":\""
                    + MODEL
                    + "\",\"prompt\":\"x\",\"stream\":false}'"));
    assertThat(generated.getString("response")).isEqualTo(EXPECTED);
    assertThat(generated.getInt("eval_count")).isEqualTo(CHUNKS);
    String generatedStream =
        curl(key + baseUrl + "/api/generate -d '{\"model\":\"" + MODEL + "\",\"prompt\":\"x\"}'");
    assertThat(generatedStream.lines().toList()).hasSize(CHUNKS + 1);
    assertThat(
            json(curl(
                    key
                        + baseUrl
                        + "/api/embed -d '{\"model\":\""
                        + MODEL
                        + "\",\"input\":[\"a\",\"bb\"]}'"))
                .getJsonArray("embeddings"))
        .hasSize(2);
    assertThat(
            curl(
                key
                    + baseUrl
                    + "/api/embeddings -d '{\"model\":\""
                    + MODEL
                    + "\",\"prompt\":\"a\"}'"))
        .isEqualTo("{\"embedding\":[1.0,0.5,-1.0]}");

    assertThat(curl("-w '\\n%{http_code}' " + baseUrl + "/api/tags"))
        .matches("(?s)\\{\"error\":\"Missing API key.*\"}\n401");
    assertThat(
            curl("-w '\\n%{http_code}' " + key + baseUrl + "/api/chat -d '{\"model\":\"nope\"}'"))
        .matches("(?s)\\{\"error\":\"The model 'nope' is not served.*\"}\n+404");
    assertThat(curl("-w '\\n%{http_code}' " + key + baseUrl + "/api/chat -d '{\"model\":'"))
        .matches("(?s)\\{\"error\":\".*not valid JSON.*\"}\n+400");
    assertThat(
            curl(
                "-w '\\n%{http_code}' "
                    + key
                    + baseUrl
                    + "/api/pull -d '{\"model\":\""
                    + MODEL
                    + "\"}'"))
        .isEqualTo("{\"error\":\"model management is disabled on this broker\"}\n403");
    assertThat(curl("-w '\\n%{http_code}' -X DELETE " + key + baseUrl + "/api/delete"))
        .isEqualTo("{\"error\":\"model management is disabled on this broker\"}\n403");
    assertThat(llm.requests()).noneMatch(r -> r.path().equals("/api/pull"));
  }

  @Test
  void curlSeesTheFirstLineWhileTheModelIsStillWriting() throws Exception {
    requireCurl();
    // 6 lines 400 ms apart: a relay that buffered would deliver them all at the end.
    String body =
        "{\"model\":\"" + MODEL + "\",\"messages\":[],\"fake_llm\":{\"chunk_delay_ms\":400}}";
    Process curl =
        new ProcessBuilder(
                "curl",
                "-sN",
                "-H",
                "Authorization: Bearer " + USER_KEY,
                baseUrl + "/api/chat",
                "-d",
                body)
            .redirectErrorStream(true)
            .start();
    List<Long> arrivals = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    long started = System.nanoTime();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(curl.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        arrivals.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        lines.add(line);
      }
    }
    assertThat(curl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(lines).hasSize(CHUNKS + 1);
    assertThat(json(lines.get(0)).getJsonObject("message").getString("content")).isEqualTo("tok0 ");
    assertThat(json(lines.get(CHUNKS)).getBoolean("done")).isTrue();
    // The first line came a good while before the last: flushed as written.
    assertThat(arrivals.get(CHUNKS) - arrivals.get(0)).isGreaterThan(1500);
  }

  @Test
  void theReadmesOllamaCommandsWorkAsWritten() throws Exception {
    requireCurl();
    String readme = Files.readString(ProductProcess.root().resolve("README.md"));
    String section = readme.substring(readme.indexOf("### Ollama native API"));
    section = section.substring(0, section.indexOf("\n#", 5));
    List<String> commands = curlCommands(section);
    assertThat(commands).hasSize(3);
    List<String> outputs = new ArrayList<>();
    for (String command : commands) {
      outputs.add(
          bash(
              command
                  .replace("http://your-server.com:8443", baseUrl)
                  .replace("sk-user-api-key", USER_KEY)));
    }
    assertThat(json(outputs.get(0)).getJsonArray("models")).hasSize(1);
    List<String> chatLines = outputs.get(1).lines().toList();
    assertThat(chatLines).hasSize(CHUNKS + 1);
    assertThat(json(chatLines.get(CHUNKS)).getBoolean("done")).isTrue();
    assertThat(json(outputs.get(2)).getJsonArray("embeddings")).hasSize(1);
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** Adds the broker key to every request of LangChain4j's JDK client. */
  private record BearerClientBuilder(String key, HttpClientBuilder jdk)
      implements HttpClientBuilder {
    BearerClientBuilder(String key) {
      this(key, JdkHttpClient.builder());
    }

    @Override
    public Duration connectTimeout() {
      return jdk.connectTimeout();
    }

    @Override
    public HttpClientBuilder connectTimeout(Duration timeout) {
      jdk.connectTimeout(timeout);
      return this;
    }

    @Override
    public Duration readTimeout() {
      return jdk.readTimeout();
    }

    @Override
    public HttpClientBuilder readTimeout(Duration timeout) {
      jdk.readTimeout(timeout);
      return this;
    }

    @Override
    public HttpClient build() {
      HttpClient client = jdk.build();
      return new HttpClient() {
        @Override
        public SuccessfulHttpResponse execute(HttpRequest request) {
          return client.execute(withKey(request));
        }

        @Override
        public void execute(
            HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
          client.execute(withKey(request), parser, listener);
        }
      };
    }

    private HttpRequest withKey(HttpRequest request) {
      return HttpRequest.builder()
          .method(request.method())
          .url(request.url())
          .headers(new HashMap<>(request.headers()))
          .addHeader("Authorization", "Bearer " + key)
          .body(request.body())
          .build();
    }
  }

  private static String curl(String args) throws Exception {
    requireCurl();
    return bash("curl -s " + args);
  }

  private static String bash(String command) throws IOException, InterruptedException {
    // Standard error apart: curl without -s draws its progress meter there, not on the answer.
    Process process =
        new ProcessBuilder("bash", "-c", command)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + command);
    }
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue()).as("exit code of %s, output %s", command, out).isZero();
    return out;
  }

  /** The curl commands of a Markdown text, continuation lines joined. */
  private static List<String> curlCommands(String text) {
    List<String> commands = new ArrayList<>();
    StringBuilder current = null;
    for (String line : text.split("\n")) {
      String trimmed = line.strip();
      if (current == null && trimmed.startsWith("curl ")) {
        current = new StringBuilder();
      }
      if (current != null) {
        if (trimmed.endsWith("\\")) {
          current.append(trimmed, 0, trimmed.length() - 1).append(' ');
        } else {
          commands.add(current.append(trimmed).toString());
          current = null;
        }
      }
    }
    return commands;
  }

  /** Skips without curl, unless in CI, where .ci/run installs it. */
  private static void requireCurl() throws InterruptedException {
    boolean present;
    try {
      Process p = new ProcessBuilder("curl", "--version").redirectErrorStream(true).start();
      present = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException missing) {
      present = false;
    }
    if (!present && !"true".equals(System.getenv("CI"))) {
      Assumptions.abort("curl is not installed (Debian package curl)");
    }
    assertThat(present).as("curl (Debian package curl) must be installed in CI").isTrue();
  }

  private static JsonObject json(String text) {
    return Json.createReader(new StringReader(text.strip())).readObject();
  }

  private static String secret(String prefix) {
    byte[] bytes = new byte[12];
    new SecureRandom().nextBytes(bytes);
    return prefix + HexFormat.of().formatHex(bytes);
  }
}
