package io.remotellm.connector.llm;

import static io.remotellm.connector.logging.JsonField.log;
import static io.remotellm.connector.logging.JsonField.of;

import io.remotellm.protocol.LlmApi;
import io.remotellm.protocol.SharedJsonProvider;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Finds out at start which API families the LLM speaks, when {@code --llm-api} does not say: an
 * Ollama answers {@code GET /api/version}, and its version tells whether it has the Responses API
 * (0.13.3) and Anthropic's Messages (0.14.0); any other server is taken to speak OpenAI's chat API
 * only, since llama.cpp, vLLM and LM Studio offer no way to ask.
 */
public final class LlmApiDetector {
  private static final Logger LOG = Logger.getLogger(LlmApiDetector.class.getName());
  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  static final int[] RESPONSES_SINCE = {0, 13, 3};
  static final int[] ANTHROPIC_SINCE = {0, 14, 0};

  private LlmApiDetector() {}

  /** Asks the LLM; blocks for at most a few seconds. For start-up only. */
  public static Set<LlmApi> detect(HttpClient http, URI base, String apiKey) {
    Optional<String> version = ollamaVersion(http, base, apiKey);
    Set<LlmApi> apis = version.map(LlmApiDetector::forOllama).orElse(LlmApi.DEFAULT);
    log(
        LOG,
        Level.INFO,
        version.isPresent()
            ? "the LLM is an Ollama; APIs offered by its version"
            : "the LLM is not an Ollama (no /api/version); offering the OpenAI API only, set"
                + " --llm-api to offer more",
        of("ollama_version", version.orElse(null)),
        of("apis", LlmApi.wireNames(apis)));
    return apis;
  }

  /** What an Ollama of this version speaks. */
  static Set<LlmApi> forOllama(String version) {
    Set<LlmApi> apis = EnumSet.of(LlmApi.OPENAI, LlmApi.OLLAMA);
    int[] v = parse(version);
    // A development build says 0.0.0: it is built from a recent tree, so it has everything.
    boolean dev = v[0] == 0 && v[1] == 0 && v[2] == 0;
    if (dev || atLeast(v, RESPONSES_SINCE)) {
      apis.add(LlmApi.RESPONSES);
    }
    if (dev || atLeast(v, ANTHROPIC_SINCE)) {
      apis.add(LlmApi.ANTHROPIC);
    }
    return Set.copyOf(apis);
  }

  /** The first three numbers of {@code 0.14.0-rc1} and the like; missing ones are 0. */
  static int[] parse(String version) {
    int[] v = new int[3];
    String[] parts = version.strip().replaceFirst("^v", "").split("[.\\-+]");
    for (int i = 0; i < 3 && i < parts.length; i++) {
      try {
        v[i] = Integer.parseInt(parts[i]);
      } catch (NumberFormatException e) {
        break;
      }
    }
    return v;
  }

  private static boolean atLeast(int[] v, int[] since) {
    for (int i = 0; i < 3; i++) {
      if (v[i] != since[i]) {
        return v[i] > since[i];
      }
    }
    return true;
  }

  private static Optional<String> ollamaVersion(HttpClient http, URI base, String apiKey) {
    // /api/version lives at the server root, also when the LLM URL ends in /v1.
    String root = base.toString().replaceFirst("/v1$", "");
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(root + "/api/version")).timeout(TIMEOUT).GET();
    if (apiKey != null) {
      request.header("authorization", "Bearer " + apiKey);
    }
    try {
      HttpResponse<String> response =
          http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return Optional.empty();
      }
      try (JsonReader reader =
          SharedJsonProvider.INSTANCE.createReader(new StringReader(response.body()))) {
        if (reader.readValue() instanceof JsonObject o
            && o.get("version") instanceof JsonString s
            && !s.getString().isBlank()) {
          return Optional.of(s.getString());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception notOllama) {
      // Unreachable, not JSON, no version: not an Ollama we can read, which is the answer.
    }
    return Optional.empty();
  }
}
