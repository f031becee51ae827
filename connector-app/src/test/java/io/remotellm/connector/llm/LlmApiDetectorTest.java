package io.remotellm.connector.llm;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.remotellm.protocol.LlmApi;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LlmApiDetectorTest {

  @Test
  void anOllamasVersionSaysWhichApisItHas() {
    assertThat(LlmApiDetector.forOllama("0.12.9")).isEqualTo(Set.of(LlmApi.OPENAI, LlmApi.OLLAMA));
    assertThat(LlmApiDetector.forOllama("0.13.3"))
        .isEqualTo(Set.of(LlmApi.OPENAI, LlmApi.OLLAMA, LlmApi.RESPONSES));
    assertThat(LlmApiDetector.forOllama("0.14.0-rc2"))
        .isEqualTo(Set.of(LlmApi.OPENAI, LlmApi.OLLAMA, LlmApi.RESPONSES, LlmApi.ANTHROPIC));
    assertThat(LlmApiDetector.forOllama("1.0")).contains(LlmApi.ANTHROPIC);
    assertThat(LlmApiDetector.forOllama("0.0.0")).contains(LlmApi.ANTHROPIC);
    assertThat(LlmApiDetector.forOllama("garbage")).isEqualTo(LlmApiDetector.forOllama("0.0.0"));
  }

  @Test
  void asksApiVersionAtTheServerRootAndTakesAnythingElseForOpenAiOnly() throws Exception {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/api/version",
        exchange -> {
          byte[] body = "{\"version\":\"0.13.5\"}".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    HttpClient http = HttpClient.newHttpClient();
    try {
      URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
      assertThat(LlmApiDetector.detect(http, URI.create(base + "/v1"), null))
          .isEqualTo(Set.of(LlmApi.OPENAI, LlmApi.OLLAMA, LlmApi.RESPONSES));
      server.removeContext("/api/version");
      assertThat(LlmApiDetector.detect(http, base, null)).isEqualTo(Set.of(LlmApi.OPENAI));
    } finally {
      server.stop(0);
    }
  }
}
