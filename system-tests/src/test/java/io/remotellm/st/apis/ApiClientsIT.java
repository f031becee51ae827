package io.remotellm.st.apis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.NotFoundException;
import com.anthropic.errors.UnauthorizedException;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import io.remotellm.st.support.FreePort;
import io.remotellm.st.support.ProductProcess;
import io.remotellm.st.support.ProductRun;
import io.remotellm.testsupport.FakeLlm;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Responses and Anthropic Messages APIs through a broker and two connector processes to the
 * fake LLM: the official Anthropic Java SDK (messages, streamed, count_tokens, typed 401 and 404),
 * the official OpenAI Java SDK's Responses API (created, streamed, retrieved, deleted), and the
 * README's curl commands for both, run as written. One connector offers {@code
 * openai,responses,anthropic} (its LLM key goes on as the family expects), the other {@code openai}
 * only.
 */
class ApiClientsIT {

  /** The README's model name, so its commands run as written. */
  private static final String MODEL = "llama3.2";

  private static final String OPENAI_ONLY = "openai-only-model";
  private static final int CHUNKS = 4;
  private static final String USER_KEY = secret("sk-apis-user-");
  private static final String TOKEN = secret("ct-apis-");
  private static final String OPENAI_TOKEN = secret("ct-apis-openai-");
  private static final String LLM_KEY = secret("sk-apis-llm-");

  private static FakeLlm llm;
  private static ProductProcess broker;
  private static ProductProcess connector;
  private static ProductProcess openAiConnector;
  private static int brokerPort;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startProduct() throws IOException {
    llm = FakeLlm.start();
    llm.script(FakeLlm.Script.defaults().withChunks(CHUNKS).withModels(List.of(MODEL)));
    brokerPort = FreePort.next();
    broker =
        ProductRun.startBroker(
            "apis-broker",
            brokerPort,
            FreePort.next(),
            USER_KEY,
            ProductRun.writeConnectorConfig(Map.of(TOKEN, LLM_KEY, OPENAI_TOKEN, "")));
    int health = FreePort.next();
    connector =
        ProductRun.startConnector(
            "apis-connector",
            llm.baseUrl().toString(),
            brokerPort,
            TOKEN,
            health,
            List.of(MODEL),
            List.of("--llm-api", "openai,responses,anthropic"));
    int otherHealth = FreePort.next();
    openAiConnector =
        ProductRun.startConnector(
            "apis-openai-connector",
            llm.baseUrl().toString(),
            brokerPort,
            OPENAI_TOKEN,
            otherHealth,
            List.of(OPENAI_ONLY),
            List.of());
    ProductRun.awaitReady(connector, health, Duration.ofSeconds(60));
    ProductRun.awaitReady(openAiConnector, otherHealth, Duration.ofSeconds(60));
    assertThat(ProductRun.get("http://127.0.0.1:" + health + "/health").body())
        .contains("\"apis\":[\"openai\",\"responses\",\"anthropic\"]");
  }

  @AfterAll
  static void stopProduct() {
    Stream.of(openAiConnector, connector, broker)
        .filter(p -> p != null)
        .forEach(ProductProcess::close);
    if (llm != null) {
      llm.close();
    }
  }

  private static String baseUrl() {
    return "http://127.0.0.1:" + brokerPort;
  }

  private static AnthropicClient anthropic(String key, boolean bearer) {
    AnthropicOkHttpClient.Builder builder =
        AnthropicOkHttpClient.builder().baseUrl(baseUrl()).maxRetries(0);
    return (bearer ? builder.authToken(key) : builder.apiKey(key)).build();
  }

  private static MessageCreateParams hello(String model) {
    return MessageCreateParams.builder().model(model).maxTokens(64).addUserMessage("Hi").build();
  }

  private static String expectedText() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < CHUNKS; i++) {
      text.append("tok").append(i).append(' ');
    }
    return text.toString();
  }

  // ---- the official Anthropic Java SDK ------------------------------------------------------

  @Test
  void anthropicSdkMessageWithTheKeyInXApiKey() {
    Message message = anthropic(USER_KEY, false).messages().create(hello(MODEL));
    assertThat(message.content().get(0).text().orElseThrow().text()).isEqualTo(expectedText());
    assertThat(message.usage().inputTokens()).isEqualTo(7);
    assertThat(message.usage().outputTokens()).isEqualTo(CHUNKS);
    FakeLlm.RecordedRequest seen = lastAt("/v1/messages");
    // The connector's LLM key, as Anthropic's API takes it; the user's key never leaves the broker.
    assertThat(seen.header("x-api-key")).isEqualTo(LLM_KEY);
    assertThat(seen.header("authorization")).isNull();
    assertThat(seen.header("anthropic-version")).isNotBlank();
    assertThat(seen.headers().values()).doesNotContain(USER_KEY);
  }

  @Test
  void anthropicSdkStreamWithABearerTokenAsClaudeCodeSendsIt() {
    StringBuilder text = new StringBuilder();
    List<String> kinds = new ArrayList<>();
    long[] outputTokens = {-1};
    try (StreamResponse<RawMessageStreamEvent> stream =
        anthropic(USER_KEY, true).messages().createStreaming(hello(MODEL))) {
      stream.stream()
          .forEach(
              event -> {
                if (event.isMessageStart()) {
                  kinds.add("message_start");
                } else if (event.isContentBlockDelta()) {
                  kinds.add("content_block_delta");
                  event
                      .asContentBlockDelta()
                      .delta()
                      .text()
                      .ifPresent(delta -> text.append(delta.text()));
                } else if (event.isMessageDelta()) {
                  kinds.add("message_delta");
                  outputTokens[0] = event.asMessageDelta().usage().outputTokens();
                } else if (event.isMessageStop()) {
                  kinds.add("message_stop");
                }
              });
    }
    assertThat(text.toString()).isEqualTo(expectedText());
    assertThat(kinds).startsWith("message_start").endsWith("message_delta", "message_stop");
    assertThat(outputTokens[0]).isEqualTo(CHUNKS);
  }

  @Test
  void anthropicSdkCountTokens() {
    long tokens =
        anthropic(USER_KEY, false)
            .messages()
            .countTokens(
                MessageCountTokensParams.builder().model(MODEL).addUserMessage("Hi").build())
            .inputTokens();
    assertThat(tokens).isEqualTo(7);
  }

  @Test
  void anthropicSdkGetsItsTypedErrors() {
    assertThatThrownBy(() -> anthropic("sk-wrong", false).messages().create(hello(MODEL)))
        .isInstanceOf(UnauthorizedException.class);
    assertThatThrownBy(() -> anthropic(USER_KEY, false).messages().create(hello("no-such-model")))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("no-such-model");
    // Served, but only through OpenAI's API: the error says which APIs its connector offers.
    assertThatThrownBy(() -> anthropic(USER_KEY, false).messages().create(hello(OPENAI_ONLY)))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("openai");
  }

  // ---- the official OpenAI Java SDK's Responses API -----------------------------------------

  private static OpenAIClient openai() {
    return OpenAIOkHttpClient.builder()
        .apiKey(USER_KEY)
        .baseUrl(baseUrl() + "/v1")
        .maxRetries(0)
        .build();
  }

  private static ResponseCreateParams say(String model) {
    return ResponseCreateParams.builder().model(model).input("Say hi").build();
  }

  @Test
  void openAiSdkCreatesRetrievesAndDeletesAResponse() {
    OpenAIClient client = openai();
    Response created = client.responses().create(say(MODEL));
    assertThat(created.id()).startsWith("resp_");
    assertThat(
            created
                .output()
                .get(0)
                .message()
                .orElseThrow()
                .content()
                .get(0)
                .outputText()
                .orElseThrow()
                .text())
        .isEqualTo(expectedText());
    assertThat(created.usage().orElseThrow().outputTokens()).isEqualTo(CHUNKS);
    assertThat(lastAt("/v1/responses").header("authorization")).isEqualTo("Bearer " + LLM_KEY);

    Response again = client.responses().retrieve(created.id());
    assertThat(again.id()).isEqualTo(created.id());
    client.responses().delete(created.id());
    assertThatThrownBy(() -> client.responses().retrieve(created.id()))
        .isInstanceOf(com.openai.errors.NotFoundException.class);
    assertThatThrownBy(() -> client.responses().retrieve("resp_this_broker_never_saw"))
        .isInstanceOf(com.openai.errors.NotFoundException.class);
  }

  @Test
  void openAiSdkStreamsAResponse() {
    StringBuilder text = new StringBuilder();
    List<Long> completedTokens = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    try (com.openai.core.http.StreamResponse<ResponseStreamEvent> stream =
        openai().responses().createStreaming(say(MODEL))) {
      stream.stream()
          .forEach(
              event -> {
                event.created().ifPresent(c -> ids.add(c.response().id()));
                event.outputTextDelta().ifPresent(d -> text.append(d.delta()));
                event
                    .completed()
                    .ifPresent(
                        c ->
                            completedTokens.add(c.response().usage().orElseThrow().outputTokens()));
              });
    }
    assertThat(text.toString()).isEqualTo(expectedText());
    assertThat(completedTokens).containsExactly((long) CHUNKS);
    // The streamed response is remembered too: asked for by id, it is found on its connector.
    assertThat(openai().responses().retrieve(ids.get(0)).id()).isEqualTo(ids.get(0));
  }

  @Test
  void openAiSdkOnAModelWithoutTheResponsesApiGetsA404NamingTheApis() {
    assertThatThrownBy(() -> openai().responses().create(say(OPENAI_ONLY)))
        .isInstanceOf(com.openai.errors.NotFoundException.class)
        .hasMessageContaining("Responses")
        .hasMessageContaining("openai");
  }

  // ---- raw HTTP: paths, headers and error shapes ---------------------------------------------

  private HttpResponse<String> call(String method, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl() + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("content-type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void everyNewPathAnswersWithTheRequestIdAndItsFamilysErrorShape() throws Exception {
    String messages = "{\"model\":\"" + MODEL + "\",\"max_tokens\":8,\"messages\":[]}";
    HttpResponse<String> ok =
        call("POST", "/v1/messages", messages, "x-api-key", USER_KEY, "x-request-id", "st-msg-1");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().firstValue("x-request-id")).hasValue("st-msg-1");
    assertThat(lastAt("/v1/messages").header("x-request-id")).isEqualTo("st-msg-1");

    HttpResponse<String> noKey = call("POST", "/v1/messages", messages);
    assertThat(noKey.statusCode()).isEqualTo(401);
    assertThat(noKey.body())
        .startsWith("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\"");
    assertThat(noKey.headers().firstValue("x-request-id")).isPresent();
    assertThat(call("POST", "/v1/messages", "[]", "x-api-key", USER_KEY).body())
        .contains("\"type\":\"invalid_request_error\"");

    HttpResponse<String> respNoKey = call("POST", "/v1/responses", "{\"model\":\"m\"}");
    assertThat(respNoKey.statusCode()).isEqualTo(401);
    assertThat(respNoKey.body()).contains("\"code\":\"invalid_api_key\"");
    HttpResponse<String> tokens =
        call(
            "POST",
            "/v1/responses/input_tokens",
            "{\"model\":\"" + MODEL + "\",\"input\":\"hi\",\"stream\":true}",
            "Authorization",
            "Bearer " + USER_KEY);
    assertThat(tokens.body()).contains("\"input_tokens\":7");
    HttpResponse<String> unknown =
        call("GET", "/v1/responses/resp_unknown", null, "Authorization", "Bearer " + USER_KEY);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).startsWith("{\"error\":{");
    assertThat(
            call(
                    "POST",
                    "/v1/responses/resp_unknown/cancel",
                    null,
                    "Authorization",
                    "Bearer " + USER_KEY)
                .statusCode())
        .isEqualTo(404);
  }

  // ---- the README's commands -----------------------------------------------------------------

  @Test
  void theReadmesCurlCommandsRunAsWritten() throws Exception {
    List<ReadmeBlocks.Block> blocks = ReadmeBlocks.runnable(Path.of("..", "README.md"));
    assertThat(blocks).as("README blocks marked as run by ApiClientsIT").hasSize(2);
    for (ReadmeBlocks.Block block : blocks) {
      String script =
          block
              .script()
              .replace("http://localhost:8443", baseUrl())
              .replace("sk-your-user-key", USER_KEY);
      Process bash =
          new ProcessBuilder("bash", "-e", "-c", script).redirectErrorStream(true).start();
      assertThat(bash.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String output = new String(bash.getInputStream().readAllBytes());
      assertThat(bash.exitValue()).as(output).isZero();
      int from = 0;
      for (String expected : block.expected()) {
        int at = output.indexOf(expected, from);
        assertThat(at).as("'%s' in order in:%n%s", expected, output).isGreaterThanOrEqualTo(0);
        from = at + expected.length();
      }
      assertThat(output).doesNotContain("[DONE]");
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static FakeLlm.RecordedRequest lastAt(String path) {
    List<FakeLlm.RecordedRequest> at =
        llm.requests().stream().filter(r -> r.path().equals(path)).toList();
    assertThat(at).as("requests the LLM got at " + path).isNotEmpty();
    return at.get(at.size() - 1);
  }

  private static String secret(String prefix) {
    byte[] bytes = new byte[12];
    new SecureRandom().nextBytes(bytes);
    return prefix + HexFormat.of().formatHex(bytes);
  }

  static {
    // A README that cannot be read is a test failure, not a skip.
    assertThat(Files.exists(Path.of("..", "README.md"))).isTrue();
  }
}
